// Function-pointer types of the GEMM entry points Tensors loads at run time with dlopen (no
// link-time BLAS: OpenBLAS must be loaded after its kernel choice is made; see
// Sources/Tensors/README.md). Layout and transpose codes are CBLAS's (row-major 101, 111/112).
#include <dlfcn.h>
#include <stdint.h>

/// cblas_sgemm(layout, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc), 32-bit ints.
typedef void (*rung_cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                                    const float *, int, float, float *, int);
/// openblas_set_num_threads(n).
typedef void (*rung_set_threads_fn)(int);
/// openblas_get_num_threads().
typedef int (*rung_get_threads_fn)(void);
/// openblas_get_corename().
typedef char *(*rung_corename_fn)(void);
/// dnnl_sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc): row-major, 'N'/'T',
/// 64-bit sizes; returns dnnl_status_t (0 on success).
typedef int (*rung_dnnl_sgemm_fn)(char, char, int64_t, int64_t, int64_t, float, const float *, int64_t,
                                  const float *, int64_t, float, float *, int64_t);
/// bli_thread_set_num_threads(n) (BLIS's dim_t is 64-bit).
typedef void (*rung_blis_set_threads_fn)(long);
