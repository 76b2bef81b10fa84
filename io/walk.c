/*
 * walk.c - sorted directory listings and maildir detection.
 *
 * Entries are sorted by strcmp so a run over the same tree always yields
 * messages in the same order, whatever order readdir() returns.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io_internal.h"

char *io_path_join(const char *dir, const char *name)
{
    size_t dn = strlen(dir), nn = strlen(name);
    int slash = dn > 0 && dir[dn - 1] != '/';
    char *p = malloc(dn + (size_t)slash + nn + 1);
    if (!p)
        return NULL;
    memcpy(p, dir, dn);
    if (slash)
        p[dn] = '/';
    memcpy(p + dn + (size_t)slash, name, nn + 1);
    return p;
}

static int is_dir(const char *dir, const char *name)
{
    struct stat st;
    char *p = io_path_join(dir, name);
    int r = p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
    free(p);
    return r;
}

int io_is_maildir(const char *dir)
{
    return is_dir(dir, "cur") || is_dir(dir, "new");
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* With files_only: is the entry (or what it links to) a regular file? */
static int is_regular(const char *dir, const struct dirent *de)
{
    if (de->d_type == DT_REG)
        return 1;
    if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
        return 0;
    struct stat st;
    char *p = io_path_join(dir, de->d_name);
    int r = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    return r;
}

static int push_name(char ***names, size_t *n, size_t *cap, const char *prefix,
                     const char *name)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        char **nn = realloc(*names, nc * sizeof(*nn));
        if (!nn)
            return ENOMEM;
        *names = nn;
        *cap = nc;
    }
    size_t pl = strlen(prefix), nl = strlen(name);
    char *s = malloc(pl + nl + 1);
    if (!s)
        return ENOMEM;
    memcpy(s, prefix, pl);
    memcpy(s + pl, name, nl + 1);
    (*names)[(*n)++] = s;
    return 0;
}

int io_list_dir(const char *dir, int files_only, const char *prefix,
                char ***names, size_t *n)
{
    int status = 0;
    size_t first = *n, cap = *n;
    DIR *d = opendir(dir);

    if (!d)
        return errno ? errno : EIO;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            status = errno;
            break;
        }
        /* Dotfiles: ".", "..", editor and sync droppings, Maildir++ folders. */
        if (de->d_name[0] == '.')
            continue;
        if (files_only && !is_regular(dir, de))
            continue;
        status = push_name(names, n, &cap, prefix, de->d_name);
        if (status)
            break;
    }
    closedir(d);
    if (*n > first)
        qsort(*names + first, *n - first, sizeof(**names), cmp_names);
    return status;
}
