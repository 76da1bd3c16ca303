// The helpers of CSocketCAN are `static inline` in the header; this file only makes the target a C
// target and checks that the build defines _GNU_SOURCE (needed for recvmmsg/sendmmsg and ppoll).
#ifndef _GNU_SOURCE
#error "CSocketCAN must be built with _GNU_SOURCE defined"
#endif
#include "CSocketCAN.h"
