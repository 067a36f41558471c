/* The hh_brainpy rk4 step for N uncoupled HH neurons, written by hand in C: a ceiling for the
 * throughput of this method on this machine, to set hb.sweep's figure against.
 *
 * Same model, parameters and float32 arithmetic as hh_brainpy (the six rates from three
 * exponentials, as in hh_brainpy.kinetics.rates), the same grid as the sweep benchmark
 * (Iext = linspace(0, 20, N) uA/cm^2, V = -65 mV with steady gates) and the same spike count
 * (upward crossings of 0 mV).  Built by benchmarks/workloads.py with gcc -O3 -march=native
 * -ffast-math -fopenmp; the neuron loop is vectorised (libmvec's expf) and split over threads.
 *
 * usage: hh_rk4 N STEPS DT   ->   prints {"run_s": ..., "spikes": ...}
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct { float v, m, h, n; } state;

static inline float x_over_expm1(float u, float exp_u) {
    /* u / (e^u - 1), with its series near u = 0 (as hh_brainpy.kinetics.x_over_em1_given_exp) */
    float u2 = u * u;
    float series = 1.0f - 0.5f * u + u2 * (1.0f / 12.0f - u2 / 720.0f);
    return fabsf(u) < 0.1f ? series : u / (exp_u - 1.0f);
}

static inline state derivative(state y, float iext) {
    const float gna = 120.0f, ena = 50.0f, gk = 36.0f, ek = -77.0f, gl = 0.03f, el = -54.387f, c = 1.0f;
    float e = expf(-(y.v + 40.0f) / 10.0f);   /* e^{-(V+40)/10} */
    float f = expf(-(y.v + 65.0f) / 80.0f);   /* e^{-(V+65)/80} */
    float b = expf(-(y.v + 65.0f) / 18.0f);   /* e^{-(V+65)/18} */
    float u = -(y.v + 40.0f) / 10.0f, f2 = f * f;
    float am = x_over_expm1(u, e), bm = 4.0f * b;
    float ah = 0.07f * (f2 * f2), bh = 1.0f / (1.0f + e * 1.6487212707f);              /* e^{0.5} */
    float an = 0.1f * x_over_expm1(u - 1.5f, e * 0.2231301601f), bn = 0.125f * f;   /* e^{-1.5} */
    float n2 = y.n * y.n;
    state d;
    d.v = (-gna * y.m * y.m * y.m * y.h * (y.v - ena) - gk * n2 * n2 * (y.v - ek) - gl * (y.v - el) + iext) / c;
    d.m = am * (1.0f - y.m) - bm * y.m;
    d.h = ah * (1.0f - y.h) - bh * y.h;
    d.n = an * (1.0f - y.n) - bn * y.n;
    return d;
}

static inline state axpy(state y, float a, state k) {
    state r = {y.v + a * k.v, y.m + a * k.m, y.h + a * k.h, y.n + a * k.n};
    return r;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s N STEPS DT\n", argv[0]); return 2; }
    long n = atol(argv[1]), steps = atol(argv[2]);
    float dt = (float)atof(argv[3]);
    float *V = malloc(n * sizeof *V), *M = malloc(n * sizeof *M), *H = malloc(n * sizeof *H);
    float *N = malloc(n * sizeof *N), *I = malloc(n * sizeof *I);
    int *count = calloc(n, sizeof *count);
    double u = 2.5, am = u / expm1(u), bm = 4.0, ah = 0.07, bh = 1.0 / (1.0 + exp(3.0));
    double an = 0.1 * 1.0 / expm1(1.0), bn = 0.125;  /* the rates at V = -65 mV */
    for (long i = 0; i < n; i++) {
        V[i] = -65.0f; M[i] = (float)(am / (am + bm)); H[i] = (float)(ah / (ah + bh)); N[i] = (float)(an / (an + bn));
        I[i] = n > 1 ? (float)(20.0 * i / (n - 1)) : 0.0f;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long s = 0; s < steps; s++) {
        #pragma omp parallel for simd
        for (long i = 0; i < n; i++) {
            state y = {V[i], M[i], H[i], N[i]};
            state k1 = derivative(y, I[i]);
            state k2 = derivative(axpy(y, 0.5f * dt, k1), I[i]);
            state k3 = derivative(axpy(y, 0.5f * dt, k2), I[i]);
            state k4 = derivative(axpy(y, dt, k3), I[i]);
            state next = {
                y.v + dt / 6.0f * (k1.v + 2.0f * k2.v + 2.0f * k3.v + k4.v),
                y.m + dt / 6.0f * (k1.m + 2.0f * k2.m + 2.0f * k3.m + k4.m),
                y.h + dt / 6.0f * (k1.h + 2.0f * k2.h + 2.0f * k3.h + k4.h),
                y.n + dt / 6.0f * (k1.n + 2.0f * k2.n + 2.0f * k3.n + k4.n),
            };
            count[i] += (y.v < 0.0f) & (next.v >= 0.0f);
            V[i] = next.v; M[i] = next.m; H[i] = next.h; N[i] = next.n;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long spikes = 0;
    for (long i = 0; i < n; i++) spikes += count[i];
    printf("{\"run_s\": %.6f, \"spikes\": %ld}\n", (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec), spikes);
    return 0;
}
