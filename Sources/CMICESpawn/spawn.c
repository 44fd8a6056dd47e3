// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#define _GNU_SOURCE
#include "CMICESpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <grp.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

int mice_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC) == 0 ? 0 : errno;
}

int mice_eventfd(void) {
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return fd >= 0 ? fd : -errno;
}

int mice_set_pipe_size(int fd, int size) {
    int result = fcntl(fd, F_SETPIPE_SZ, size);
    return result >= 0 ? result : -errno;
}

int mice_spawn(
    const char *path,
    char *const argv[],
    char *const envp[],
    const char *cwd,
    int stdin_fd,
    int stdout_fd,
    int stderr_fd,
    pid_t *pid_out) {
    // The parent's ends are O_CLOEXEC; dup2 onto 0/1/2 clears the flag on the copies. Callers
    // guarantee the source fds are >= 3 so that dup2 never aliases a target.
    const int fds[3] = {stdin_fd, stdout_fd, stderr_fd};
    return mice_spawn_fds(path, argv, envp, cwd, fds, 3, 1, pid_out);
}

int mice_spawn_fds(
    const char *path,
    char *const argv[],
    char *const envp[],
    const char *cwd,
    const int *fds,
    int count,
    int new_session,
    pid_t *pid_out) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t all;
    sigset_t none;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return rc;
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return rc;
    }
    sigfillset(&all);
    sigemptyset(&none);
    for (int i = 0; rc == 0 && i < count; i++) rc = posix_spawn_file_actions_adddup2(&actions, fds[i], i);
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, count);
    if (rc == 0 && cwd != NULL) rc = posix_spawn_file_actions_addchdir_np(&actions, cwd);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr, &all);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attr, &none);
    if (rc == 0) {
        short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
        if (new_session) flags |= POSIX_SPAWN_SETSID;
        rc = posix_spawnattr_setflags(&attr, flags);
    }
    if (rc == 0) rc = posix_spawn(pid_out, path, &actions, &attr, argv, envp);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

ssize_t mice_send_with_fd(int sock, const void *data, size_t len, int fd) {
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    union {
        struct cmsghdr header;
        char bytes[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    memset(&control, 0, sizeof(control));
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    if (fd >= 0) {
        message.msg_control = control.bytes;
        message.msg_controllen = sizeof(control.bytes);
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(header), &fd, sizeof(int));
    }
    ssize_t sent;
    do {
        sent = sendmsg(sock, &message, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent >= 0 ? sent : -errno;
}

ssize_t mice_recv_with_fd(int sock, void *buf, size_t cap, int *fd_out, int *flags_out) {
    struct iovec iov = {.iov_base = buf, .iov_len = cap};
    union {
        struct cmsghdr header;
        char bytes[CMSG_SPACE(sizeof(int) * 8)];
    } control;
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes;
    message.msg_controllen = sizeof(control.bytes);
    *fd_out = -1;
    *flags_out = 0;
    ssize_t received;
    do {
        received = recvmsg(sock, &message, MSG_CMSG_CLOEXEC);
    } while (received < 0 && errno == EINTR);
    if (received < 0) return -errno;
    if (message.msg_flags & MSG_TRUNC) *flags_out |= MICE_RECV_TRUNCATED;
    if (message.msg_flags & MSG_CTRUNC) *flags_out |= MICE_RECV_CONTROL_TRUNCATED;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header != NULL;
         header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof(int));
            if (*fd_out < 0) {
                *fd_out = fd;
            } else {
                close(fd);
                *flags_out |= MICE_RECV_EXTRA_FDS;
            }
        }
    }
    return received;
}

int mice_keep_only_read_search(uid_t uid, gid_t gid) {
    // Keep the permitted set across the uid change, then cut it down to one capability.
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return errno;
    gid_t groups[1] = {gid};
    if (setgroups(1, groups) != 0) return errno;
    if (setresgid(gid, gid, gid) != 0) return errno;
    if (setresuid(uid, uid, uid) != 0) return errno;
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    data[0].effective = 1u << CAP_DAC_READ_SEARCH;
    data[0].permitted = 1u << CAP_DAC_READ_SEARCH;
    if (syscall(SYS_capset, &header, data) != 0) return errno;
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return errno;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) return errno;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
    return 0;
}
