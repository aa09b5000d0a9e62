// Function-pointer types of the BLAS entry points Tensors loads at run time with dlopen (no
// link-time BLAS: OpenBLAS must be loaded after its kernel choice is made; see
// Sources/Tensors/README.md). Layout and transpose codes are CBLAS's (row-major 101, 111/112).
#include <dlfcn.h>

/// cblas_sgemm(layout, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc), 32-bit ints.
typedef void (*rung_cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                                    const float *, int, float, float *, int);
/// openblas_set_num_threads(n).
typedef void (*rung_set_threads_fn)(int);
/// openblas_get_num_threads().
typedef int (*rung_get_threads_fn)(void);
/// openblas_get_corename().
typedef char *(*rung_corename_fn)(void);
/// bli_thread_set_num_threads(n) (BLIS's dim_t is 64-bit).
typedef void (*rung_blis_set_threads_fn)(long);
