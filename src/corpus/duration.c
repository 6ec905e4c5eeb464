/* duration.c - an audio file's duration from its header, for whole corpora at a time.
 *
 * libsndfile parses the header (no decoding), but through its own file layer it spends a dozen
 * read and lseek system calls per file, which dominates when a corpus has thousands of short
 * clips. Here libsndfile reads through a virtual I/O layer instead: one pread fetches the head of
 * the file, and libsndfile's small reads and seeks are served from that copy (anything beyond it
 * is read with pread). The parsing is still all libsndfile's. */
#include "corpus_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct head_io {
    int fd;
    sf_count_t size, pos;
    size_t have;              /* bytes of the file's head in buf */
    unsigned char buf[8192]; /* libFLAC asks for 8 KB on opening; WAV headers are far smaller */
} head_io;

static sf_count_t io_filelen(void *user) { return ((head_io *)user)->size; }

static sf_count_t io_seek(sf_count_t offset, int whence, void *user)
{
    head_io *h = user;
    sf_count_t base = whence == SEEK_CUR ? h->pos : whence == SEEK_END ? h->size : 0;
    if (base + offset < 0)
        return -1;
    h->pos = base + offset;
    return h->pos;
}

static sf_count_t io_read(void *ptr, sf_count_t count, void *user)
{
    head_io *h = user;
    unsigned char *out = ptr;
    sf_count_t done = 0;
    if (count <= 0)
        return 0;
    if (h->pos < (sf_count_t)h->have) { /* from the cached head */
        sf_count_t n = (sf_count_t)h->have - h->pos;
        if (n > count)
            n = count;
        memcpy(out, h->buf + h->pos, (size_t)n);
        h->pos += n;
        done = n;
    }
    while (done < count) {
        ssize_t n = pread(h->fd, out + done, (size_t)(count - done), (off_t)h->pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        h->pos += n;
        done += n;
    }
    return done;
}

static sf_count_t io_write(const void *ptr, sf_count_t count, void *user)
{
    (void)ptr;
    (void)count;
    (void)user;
    return 0; /* read-only */
}

static sf_count_t io_tell(void *user) { return ((head_io *)user)->pos; }

/* Fill *info through a cached head of the open file; 0 on success. */
static int info_via_head(int fd, sf_count_t size, SF_INFO *info)
{
    head_io h;
    h.fd = fd;
    h.size = size;
    h.pos = 0;
    ssize_t n = pread(fd, h.buf, sizeof h.buf, 0);
    if (n < 0)
        return -1;
    h.have = (size_t)n;
    SF_VIRTUAL_IO vio = {io_filelen, io_seek, io_read, io_write, io_tell};
    memset(info, 0, sizeof *info);
    SNDFILE *sf = sf_open_virtual(&vio, SFM_READ, info, &h);
    if (!sf)
        return -1;
    sf_close(sf);
    return 0;
}

hark_status corpus_audio_duration(const char *path, double *seconds)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return hark_error(HARK_ERR_FORMAT, "audio file %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return hark_error(HARK_ERR_FORMAT, "audio file %s: not a regular file", path);
    }
    SF_INFO info;
    int ok = info_via_head(fd, (sf_count_t)st.st_size, &info) == 0;
    close(fd);
    if (!ok) {
        /* Formats recognised only by their file name extension (an MP3 without an ID3 tag)
         * need libsndfile's own path-based open; it also gives the authoritative error. */
        memset(&info, 0, sizeof info);
        SNDFILE *sf = sf_open(path, SFM_READ, &info);
        if (!sf)
            return hark_error(HARK_ERR_FORMAT, "%s: not readable audio (%s)", path,
                              sf_strerror(NULL));
        sf_close(sf);
    }
    if (info.samplerate <= 0 || info.frames < 0)
        return hark_error(HARK_ERR_FORMAT, "%s: bad sample rate or length in the header", path);
    *seconds = (double)info.frames / info.samplerate;
    return HARK_OK;
}
