/* blasbench: sgemm speed and correctness of several BLAS libraries, loaded side by side in one
 * process and timed in interleaved rounds, so that a shared, busy machine slows all of them
 * alike. OpenBLAS is loaded once per kernel family from private copies of its .so (it reads
 * OPENBLAS_CORETYPE while loading, so each copy gets its own setting); BLIS and oneDNN as
 * installed. Every result is checked against a naive GEMM accumulated in double.
 * Usage: blasbench THREADS [SECONDS_PER_SHAPE_AND_LIBRARY]. Exit status 1 if any result is wrong. */
#include <dlfcn.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                               const float *, int, float, float *, int);
typedef int (*dnnl_sgemm_fn)(char, char, long, long, long, float, const float *, long,
                             const float *, long, float, float *, long);
typedef char *(*corename_fn)(void);

typedef struct {
    char name[40];
    cblas_sgemm_fn cblas;
    dnnl_sgemm_fn dnnl;
    double worst_err;
} Lib;

static void gemm(const Lib *l, int ta, int tb, int m, int n, int k, const float *a, const float *b, float *c) {
    int lda = ta ? m : k, ldb = tb ? k : n;
    if (l->dnnl)
        l->dnnl(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n);
    else
        l->cblas(101, ta ? 112 : 111, tb ? 112 : 111, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n);
}

/* Largest |c - ref| / (sum_k |a*b| + tiny) over the first `rows` rows: ~1e-7 when correct. */
static double check(int ta, int tb, int m, int n, int k, int rows, const float *a, const float *b, const float *c) {
    double worst = 0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < n; j++) {
            double s = 0, mag = 0;
            for (int p = 0; p < k; p++) {
                double x = ta ? a[p * m + i] : a[i * k + p];
                double y = tb ? b[j * k + p] : b[p * n + j];
                s += x * y;
                mag += fabs(x * y);
            }
            double e = fabs(c[i * n + j] - s) / (mag + 1e-30);
            if (e > worst) worst = e;
        }
    return worst;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Loads a private copy of OpenBLAS with OPENBLAS_CORETYPE = core (NULL: its own detection). */
static int load_openblas(Lib *l, const char *core, int threads, const char *dir) {
    char src[PATH_MAX], dst[PATH_MAX], cmd[3 * PATH_MAX];
    if (!realpath("/usr/lib/x86_64-linux-gnu/libopenblas.so.0", src)) return 0;
    snprintf(dst, sizeof dst, "%s/libopenblas-%s.so", dir, core ? core : "detected");
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, dst);
    if (system(cmd) != 0) return 0;
    if (core) setenv("OPENBLAS_CORETYPE", core, 1); else unsetenv("OPENBLAS_CORETYPE");
    void *h = dlopen(dst, RTLD_NOW | RTLD_LOCAL);
    unsetenv("OPENBLAS_CORETYPE");
    if (!h) { fprintf(stderr, "%s\n", dlerror()); return 0; }
    l->cblas = (cblas_sgemm_fn)dlsym(h, "cblas_sgemm");
    ((void (*)(int))dlsym(h, "openblas_set_num_threads"))(threads);
    const char *got = ((corename_fn)dlsym(h, "openblas_get_corename"))();
    if (core) snprintf(l->name, sizeof l->name, "OB:%s", got);
    else snprintf(l->name, sizeof l->name, "OB detected:%s", got);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s THREADS [SECONDS_PER_SHAPE_AND_LIBRARY]\n", argv[0]); return 2; }
    int threads = atoi(argv[1]);
    double budget = argc > 2 ? atof(argv[2]) : 0.3;
    char dir[] = "/tmp/blasbench-XXXXXX";
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    Lib libs[10];
    int nlib = 0;
    memset(libs, 0, sizeof libs);
    const char *cores[] = {NULL, "Cooperlake", "SkylakeX", "Haswell", "Zen"};
    for (size_t i = 0; i < sizeof cores / sizeof cores[0]; i++)
        if (load_openblas(&libs[nlib], cores[i], threads, dir)) nlib++;
    void *h = dlopen("libblis.so.4", RTLD_NOW | RTLD_LOCAL);
    if (h) {
        libs[nlib].cblas = (cblas_sgemm_fn)dlsym(h, "cblas_sgemm");
        ((void (*)(long))dlsym(h, "bli_thread_set_num_threads"))(threads);
        snprintf(libs[nlib++].name, sizeof libs[0].name, "BLIS");
    }
    h = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_GLOBAL);
    if (h) {
        libs[nlib].dnnl = (dnnl_sgemm_fn)dlsym(h, "dnnl_sgemm");
        void (*omp_set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
        if (omp_set) omp_set(threads);
        snprintf(libs[nlib++].name, sizeof libs[0].name, "oneDNN");
    }
    char rmcmd[PATH_MAX + 16];
    snprintf(rmcmd, sizeof rmcmd, "rm -rf '%s'", dir);
    if (system(rmcmd) != 0) fprintf(stderr, "could not remove %s\n", dir);

    /* M, N, K, transA, transB: forward x·Wᵀ (NT), input gradient G·W (NN), weight gradient Gᵀ·x (TN). */
    static const int shapes[][5] = {
        {64, 256, 30, 0, 1},   {256, 30, 64, 1, 0},                          /* 30→256, batch 64 */
        {64, 256, 256, 0, 1},  {64, 256, 256, 0, 0},  {256, 256, 64, 1, 0},  /* 256→256 */
        {128, 512, 784, 0, 1}, {512, 784, 128, 1, 0},                        /* 784→512, batch 128 */
        {128, 256, 512, 0, 1}, {128, 512, 256, 0, 0}, {256, 512, 128, 1, 0}, /* 512→256 */
        {1024, 1024, 1024, 0, 0}, {1024, 1024, 1024, 1, 1},
    };
    printf("GFLOP/s of sgemm, %d thread%s, best of 5 interleaved rounds\n", threads, threads > 1 ? "s" : "");
    printf("%-18s", "M x N x K  op");
    for (int l = 0; l < nlib; l++) printf(" %15s", libs[l].name);
    printf("\n");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], ta = shapes[s][3], tb = shapes[s][4];
        float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
        srand(42 + s);
        for (int i = 0; i < m * k; i++) a[i] = (float)rand() / RAND_MAX * 2 - 1;
        for (int i = 0; i < k * n; i++) b[i] = (float)rand() / RAND_MAX * 2 - 1;
        double best[10];
        for (int l = 0; l < nlib; l++) {
            memset(c, 0, sizeof(float) * m * n);
            gemm(&libs[l], ta, tb, m, n, k, a, b, c);
            /* The 1024³ case is checked on its first 128 rows to keep the run short. */
            double e = check(ta, tb, m, n, k, m > 512 ? 128 : m, a, b, c);
            if (e > libs[l].worst_err) libs[l].worst_err = e;
            best[l] = 1e30;
        }
        for (int round = 0; round < 5; round++)
            for (int l = 0; l < nlib; l++) {
                int reps = 0;
                double t0 = now(), t;
                do { gemm(&libs[l], ta, tb, m, n, k, a, b, c); reps++; t = now() - t0; } while (t < budget / 5);
                if (t / reps < best[l]) best[l] = t / reps;
            }
        printf("%4dx%4dx%4d %s%s", m, n, k, ta ? "T" : "N", tb ? "T" : "N");
        for (int l = 0; l < nlib; l++) printf(" %15.1f", 2.0 * m * n * k / best[l] / 1e9);
        printf("\n");
        free(a); free(b); free(c);
    }
    int wrong = 0;
    printf("%-18s", "max rel. error");
    for (int l = 0; l < nlib; l++) {
        printf(" %9.1e %s", libs[l].worst_err, libs[l].worst_err < 1e-5 ? "ok   " : "WRONG");
        if (libs[l].worst_err >= 1e-5) wrong = 1;
    }
    printf("\n");
    return wrong;
}
