/*
 * failing_disk: a FUSE filesystem holding one file, "disk", that behaves like a disk whose
 * medium fails: reads and writes work up to byte FAIL_AT, and any write that reaches past it
 * fails with EIO, as a dying USB stick does. A loop device on top of it turns that into a real
 * block device the writer opens with O_EXCL|O_DIRECT, so the test exercises the kernel's own
 * error path, not a Java stand-in.
 *
 * usage: failing_disk BACKING_FILE FAIL_AT DELAY_US MOUNTPOINT [fuse options]
 * The file's data lives in BACKING_FILE (sparse), its size is BACKING_FILE's size. DELAY_US
 * makes every write take that long, like a slow stick, so a test can interrupt a job that is
 * certainly still running.
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int backing_fd;
static off_t fail_at;
static useconds_t delay_us;

static int disk_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    (void) fi;
    memset(st, 0, sizeof *st);
    if (strcmp(path, "/") == 0) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        return 0;
    }
    if (strcmp(path, "/disk") != 0)
        return -ENOENT;
    struct stat backing;
    if (fstat(backing_fd, &backing) != 0)
        return -errno;
    st->st_mode = S_IFREG | 0600;
    st->st_nlink = 1;
    st->st_size = backing.st_size;
    return 0;
}

static int disk_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t offset,
                        struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    (void) offset; (void) fi; (void) flags;
    if (strcmp(path, "/") != 0)
        return -ENOENT;
    fill(buf, ".", NULL, 0, 0);
    fill(buf, "..", NULL, 0, 0);
    fill(buf, "disk", NULL, 0, 0);
    return 0;
}

static int disk_open(const char *path, struct fuse_file_info *fi)
{
    (void) fi;
    return strcmp(path, "/disk") == 0 ? 0 : -ENOENT;
}

static int disk_read(const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi)
{
    (void) path; (void) fi;
    ssize_t n = pread(backing_fd, buf, size, offset);
    return n < 0 ? -errno : (int) n;
}

static int disk_write(const char *path, const char *buf, size_t size, off_t offset, struct fuse_file_info *fi)
{
    (void) path; (void) fi;
    if (delay_us > 0)
        usleep(delay_us);
    if (offset + (off_t) size > fail_at)
        return -EIO;
    ssize_t n = pwrite(backing_fd, buf, size, offset);
    return n < 0 ? -errno : (int) n;
}

static int disk_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void) path; (void) fi;
    return (datasync ? fdatasync(backing_fd) : fsync(backing_fd)) == 0 ? 0 : -errno;
}

static const struct fuse_operations operations = {
    .getattr = disk_getattr,
    .readdir = disk_readdir,
    .open = disk_open,
    .read = disk_read,
    .write = disk_write,
    .fsync = disk_fsync,
};

int main(int argc, char *argv[])
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s BACKING_FILE FAIL_AT DELAY_US MOUNTPOINT [fuse options]\n", argv[0]);
        return 2;
    }
    backing_fd = open(argv[1], O_RDWR);
    if (backing_fd < 0) {
        perror(argv[1]);
        return 1;
    }
    fail_at = strtoll(argv[2], NULL, 10);
    delay_us = (useconds_t) strtoul(argv[3], NULL, 10);
    /* fuse_main sees: program MOUNTPOINT [options] */
    argv[3] = argv[0];
    return fuse_main(argc - 3, argv + 3, &operations, NULL);
}
