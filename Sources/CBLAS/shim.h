// CBLAS from Debian's libopenblas-dev (see Sources/Tensors/README.md for the measured choice).
#include <cblas.h>
