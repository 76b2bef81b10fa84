/*
 * progress.c - the progress line (see progress.h).
 */
#include "progress.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct eng_progress {
    const eng_tally_t *t;
    dns_t *dns;
    const eng_config_t *cfg;
    uint64_t total;   /* input bytes, for the ETA; 0 if unknown */
    int tty;
    int stop;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* Directories are walked to the depth the reader walks them; symlinked ones are not. */
static uint64_t dir_bytes(const char *path, int depth)
{
    DIR *d = depth < 64 ? opendir(path) : NULL;
    uint64_t sum = 0;
    struct dirent *e;
    char sub[4096];
    struct stat st;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (lstat(sub, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            sum += dir_bytes(sub, depth + 1);
        else if (S_ISREG(st.st_mode))
            sum += (uint64_t)st.st_size;
    }
    if (d)
        closedir(d);
    return sum;
}

uint64_t eng_input_bytes(const char *const *paths, size_t n)
{
    uint64_t sum = 0;
    struct stat st;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(paths[i], "-") == 0 || stat(paths[i], &st) != 0)
            continue;
        sum += S_ISDIR(st.st_mode) ? dir_bytes(paths[i], 0) : (uint64_t)st.st_size;
    }
    return sum;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void draw(eng_progress_t *p, double elapsed)
{
    unsigned long long msgs = atomic_load(&p->t->messages);
    unsigned long long bytes = atomic_load(&p->t->bytes);
    dns_stats_t ds;
    dns_get_stats(p->dns, &ds);
    double mb = (double)bytes / 1e6, rate = elapsed > 0 ? (double)bytes / elapsed : 0;
    char eta[32] = "?";
    if (p->total && rate > 0 && bytes <= p->total) {
        long s = (long)((double)(p->total - bytes) / rate);
        snprintf(eta, sizeof eta, "%ld:%02ld", s / 60, s % 60);
    }
    fprintf(stderr, "%s%llu msgs, %.1f MB, %.0f msg/s, %.1f MB/s, DNS in flight %llu, ETA %s%s",
            p->tty ? "\r\033[K" : "", msgs, mb, elapsed > 0 ? (double)msgs / elapsed : 0.0,
            rate / 1e6, (unsigned long long)(ds.queries - ds.answered), eta,
            p->tty ? "" : "\n");
    fflush(stderr);
}

static void *progress_thread(void *arg)
{
    eng_progress_t *p = arg;
    double t0 = now_s();
    /* four times a second on a terminal; a line a second into a log */
    long period_ms = p->tty ? 250 : 1000;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct timespec due;
        clock_gettime(CLOCK_REALTIME, &due);
        due.tv_nsec += period_ms * 1000000L;
        due.tv_sec += due.tv_nsec / 1000000000L;
        due.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&p->cv, &p->mu, &due);
        if (!p->stop)
            draw(p, now_s() - t0);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

eng_progress_t *eng_progress_start(const eng_config_t *cfg, const eng_tally_t *t, dns_t *dns)
{
    eng_progress_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->t = t;
    p->dns = dns;
    p->cfg = cfg;
    p->tty = isatty(STDERR_FILENO);
    p->total = eng_input_bytes(cfg->paths, cfg->npaths);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->th, NULL, progress_thread, p) != 0) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    return p;
}

void eng_progress_stop(eng_progress_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
    if (p->tty)
        fputs("\r\033[K", stderr);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
