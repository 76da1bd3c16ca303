// C view of the Linux SocketCAN API for the SocketCAN Swift module.
//
// Only headers, plus `static inline` helpers for what Swift cannot import (function-like macros such
// as CMSG_FIRSTHDR, and constants whose macro form Swift drops). Nothing here holds logic; the Swift
// module never exposes these types in its public API.
#ifndef CSOCKETCAN_H
#define CSOCKETCAN_H

#ifdef __linux__

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <linux/can.h>
#include <linux/can/raw.h>
#include <linux/can/error.h>
#include <linux/can/netlink.h>
#include <linux/sockios.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_arp.h>
#include <libsocketcan.h>

// MARK: - Control messages (cmsg): macros in <sys/socket.h>

static inline struct cmsghdr *_Nullable CSocketCAN_CMSG_FIRSTHDR(const struct msghdr *_Nonnull message) {
    return CMSG_FIRSTHDR(message);
}

static inline struct cmsghdr *_Nullable CSocketCAN_CMSG_NXTHDR(struct msghdr *_Nonnull message,
                                                               struct cmsghdr *_Nonnull header) {
    return CMSG_NXTHDR(message, header);
}

static inline const void *_Nonnull CSocketCAN_CMSG_DATA(const struct cmsghdr *_Nonnull header) {
    return CMSG_DATA(header);
}

static inline size_t CSocketCAN_CMSG_LEN(size_t payload) { return CMSG_LEN(payload); }

static inline size_t CSocketCAN_CMSG_SPACE(size_t payload) { return CMSG_SPACE(payload); }

// MARK: - Constants Swift does not import as plain integers

/// `SO_TIMESTAMPNS` (its value depends on the time_t width on some architectures).
static inline int CSocketCAN_SO_TIMESTAMPNS(void) { return SO_TIMESTAMPNS; }
/// `SCM_TIMESTAMPNS`, the cmsg type carrying a `struct timespec`.
static inline int CSocketCAN_SCM_TIMESTAMPNS(void) { return SCM_TIMESTAMPNS; }
/// `SO_RXQ_OVFL`: the kernel attaches the socket's cumulative drop counter (uint32) to each message.
static inline int CSocketCAN_SO_RXQ_OVFL(void) { return SO_RXQ_OVFL; }
/// `SIOCGIFMTU` (an ioctl request number built by a macro).
static inline unsigned long CSocketCAN_SIOCGIFMTU(void) { return SIOCGIFMTU; }

// MARK: - rtnetlink alignment macros

static inline size_t CSocketCAN_NLMSG_ALIGN(size_t length) { return NLMSG_ALIGN(length); }
static inline size_t CSocketCAN_RTA_ALIGN(size_t length) { return RTA_ALIGN(length); }

#endif // __linux__
#endif // CSOCKETCAN_H
