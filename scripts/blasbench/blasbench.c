/* blasbench: times row-major sgemm of one BLAS library on the shapes Rung's training uses and
 * checks every result against a naive GEMM accumulated in double.
 * The library is loaded with dlopen after the environment is final, so OPENBLAS_CORETYPE set by
 * the caller takes effect. Usage: blasbench openblas|blis|dnnl THREADS [SECONDS_PER_SHAPE]
 * Prints one table row per shape: backend, threads, shape, GFLOP/s, microseconds/call, error. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                               const float *, int, float, float *, int);
typedef int (*dnnl_sgemm_fn)(char, char, long, long, long, float, const float *, long,
                             const float *, long, float, float *, long);
typedef void (*set_threads_fn)(int);
typedef char *(*corename_fn)(void);

enum { RowMajor = 101, NoTrans = 111, Trans = 112 };

static cblas_sgemm_fn cblas_sgemm_p;
static dnnl_sgemm_fn dnnl_sgemm_p;

static void gemm(int ta, int tb, int m, int n, int k, const float *a, const float *b, float *c) {
    int lda = ta ? m : k, ldb = tb ? k : n;
    if (dnnl_sgemm_p)
        dnnl_sgemm_p(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n);
    else
        cblas_sgemm_p(RowMajor, ta ? Trans : NoTrans, tb ? Trans : NoTrans, m, n, k, 1.0f, a, lda,
                      b, ldb, 0.0f, c, n);
}

/* Largest |c - ref| / (sum_k |a||b| + tiny) over the first rows x cols block of the m x n result:
 * about 1e-7 for a correct float GEMM. */
static double check(int ta, int tb, int m, int n, int k, int rows, int cols, const float *a,
                    const float *b, const float *c) {
    double worst = 0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
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

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s openblas|blis|dnnl THREADS [SECONDS_PER_SHAPE]\n", argv[0]);
        return 2;
    }
    const char *lib = argv[1];
    int threads = atoi(argv[2]);
    double budget = argc > 3 ? atof(argv[3]) : 0.3;
    char label[64];
    if (!strcmp(lib, "openblas")) {
        void *h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_GLOBAL);
        if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
        cblas_sgemm_p = (cblas_sgemm_fn)dlsym(h, "cblas_sgemm");
        ((set_threads_fn)dlsym(h, "openblas_set_num_threads"))(threads);
        snprintf(label, sizeof label, "openblas:%s", ((corename_fn)dlsym(h, "openblas_get_corename"))());
    } else if (!strcmp(lib, "blis")) {
        void *h = dlopen("libblis.so.4", RTLD_NOW | RTLD_GLOBAL);
        if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
        cblas_sgemm_p = (cblas_sgemm_fn)dlsym(h, "cblas_sgemm");
        ((void (*)(long))dlsym(h, "bli_thread_set_num_threads"))(threads);
        snprintf(label, sizeof label, "blis");
    } else if (!strcmp(lib, "dnnl")) {
        void *h = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_GLOBAL);
        if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
        dnnl_sgemm_p = (dnnl_sgemm_fn)dlsym(h, "dnnl_sgemm");
        ((set_threads_fn)dlsym(RTLD_DEFAULT, "omp_set_num_threads"))(threads);
        snprintf(label, sizeof label, "onednn");
    } else {
        fprintf(stderr, "unknown library %s (accepted: openblas, blis, dnnl)\n", lib);
        return 2;
    }
    /* M, N, K, transA, transB: forward x·Wᵀ (NT), input gradient G·W (NN), weight gradient Gᵀ·x (TN). */
    static const int shapes[][5] = {
        {64, 256, 30, 0, 1},   {256, 30, 64, 1, 0},                          /* 30→256, batch 64 */
        {64, 256, 256, 0, 1},  {64, 256, 256, 0, 0},  {256, 256, 64, 1, 0},  /* 256→256 */
        {128, 512, 784, 0, 1}, {512, 784, 128, 1, 0},                        /* 784→512, batch 128 */
        {128, 256, 512, 0, 1}, {128, 512, 256, 0, 0}, {256, 512, 128, 1, 0}, /* 512→256 */
        {1024, 1024, 1024, 0, 0}, {1024, 1024, 1024, 1, 1},
    };
    int worstFail = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], ta = shapes[s][3], tb = shapes[s][4];
        float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
        srand(42 + s);
        for (int i = 0; i < m * k; i++) a[i] = (float)rand() / RAND_MAX * 2 - 1;
        for (int i = 0; i < k * n; i++) b[i] = (float)rand() / RAND_MAX * 2 - 1;
        gemm(ta, tb, m, n, k, a, b, c);
        /* The 1024^3 case is checked on its first 128 rows (all columns) to keep the run short. */
        double err = check(ta, tb, m, n, k, m > 512 ? 128 : m, n, a, b, c);
        /* Best of five rounds, each at least budget/5 seconds: the machine may be shared, and the
         * best round is the closest to what the library does on a quiet machine. */
        double best = 1e30;
        for (int round = 0; round < 5; round++) {
            int reps = 0;
            double t0 = now(), t;
            do { gemm(ta, tb, m, n, k, a, b, c); reps++; t = now() - t0; } while (t < budget / 5);
            if (t / reps < best) best = t / reps;
        }
        double gflops = 2.0 * m * n * k / best / 1e9;
        int ok = err < 1e-5;
        if (!ok) worstFail = 1;
        printf("%-22s %d  %4dx%4dx%4d %s%s  %7.1f GFLOP/s  %9.1f us  err %.1e %s\n", label, threads, m, n, k,
               ta ? "T" : "N", tb ? "T" : "N", gflops, best * 1e6, err, ok ? "ok" : "WRONG");
        free(a); free(b); free(c);
    }
    return worstFail;
}
