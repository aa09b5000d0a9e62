// libzmq's C API from Debian's libzmq3-dev (4.3.x).
#include <zmq.h>
