/* bench/peers/opendkim-verify.c - libopendkim verifies a whole mboxrd corpus
 * in one process, keys from a file (DKIM_QUERY_FILE: lines of
 * "selector._domainkey.domain TXT-data"; no network).
 *
 *   cc -O2 -o opendkim-verify opendkim-verify.c -lopendkim
 *   ./opendkim-verify keys.txt corpus.mbox
 *
 * Prints "INDEX<TAB>v1 v2 ..." per message, one class per DKIM-Signature, top
 * first (pass fail permerror temperror; "-" when unsigned). The mbox is
 * mapped and cut at "\nFrom "; mboxrd quoting is undone line by line into a
 * reused buffer; libopendkim itself turns LF into CRLF (DKIM_LIBFLAGS_FIXCRLF).
 * Every signature is checked (dkim_sig_process on any dkim_eom left alone).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <opendkim/dkim.h>

static const char *sig_class(DKIM *dkim, DKIM_SIGINFO *sig)
{
	unsigned int flags = dkim_sig_getflags(sig);
	int err;

	if ((flags & DKIM_SIGFLAG_IGNORE) != 0)
		return "ignored";
	if ((flags & DKIM_SIGFLAG_PROCESSED) == 0)
		(void)dkim_sig_process(dkim, sig);
	flags = dkim_sig_getflags(sig);
	if ((flags & DKIM_SIGFLAG_PASSED) != 0 && dkim_sig_getbh(sig) == DKIM_SIGBH_MATCH)
		return "pass";
	err = dkim_sig_geterror(sig);
	if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH || err == DKIM_SIGERROR_BADSIG)
		return "fail";
	if (err == DKIM_SIGERROR_KEYFAIL)
		return "temperror";
	if (err == DKIM_SIGERROR_OK && (flags & DKIM_SIGFLAG_PASSED) == 0)
		return "fail";
	return "permerror";
}

static unsigned char *buf;
static size_t cap;

/* Un-quote mboxrd (^>+From loses one '>') into buf; returns the length. */
static size_t unquote(const char *p, size_t n)
{
	size_t o = 0, i = 0;

	if (cap < n) {
		cap = n + n / 2 + 4096;
		buf = realloc(buf, cap);
		if (buf == NULL)
			abort();
	}
	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - p) + 1 : n;
		size_t j = i;

		while (j < end && p[j] == '>')
			j++;
		if (j > i && end - j >= 5 && memcmp(p + j, "From ", 5) == 0)
			i++;
		memcpy(buf + o, p + i, end - i);
		o += end - i;
		i = end;
	}
	return o;
}

static void verify(DKIM_LIB *lib, long idx, const char *p, size_t n)
{
	DKIM_STAT st;
	DKIM *dkim;
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0;
	size_t len = unquote(p, n);

	dkim = dkim_verify(lib, (const unsigned char *)"bench", NULL, &st);
	if (dkim == NULL) {
		printf("%ld\tpermerror\n", idx);
		return;
	}
	st = dkim_chunk(dkim, buf, len);
	if (st == DKIM_STAT_OK)
		st = dkim_chunk(dkim, NULL, 0);
	if (st == DKIM_STAT_OK || st == DKIM_STAT_NOSIG)
		st = dkim_eom(dkim, NULL);
	if (dkim_getsiglist(dkim, &sigs, &nsigs) != DKIM_STAT_OK || nsigs == 0) {
		printf("%ld\t-\n", idx);
	} else {
		printf("%ld\t", idx);
		for (int k = 0; k < nsigs; k++)
			printf("%s%s", k ? " " : "", sig_class(dkim, sigs[k]));
		putchar('\n');
	}
	dkim_free(dkim);
}

int main(int argc, char **argv)
{
	DKIM_LIB *lib;
	unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;
	int qm = DKIM_QUERY_FILE;
	struct stat sb;
	const char *m, *end, *p;
	long idx = 0;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s KEYS.txt CORPUS.mbox\n", argv[0]);
		return 1;
	}
	lib = dkim_init(NULL, NULL);
	if (lib == NULL)
		return 1;
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags);
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qm, sizeof qm);
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, argv[1], strlen(argv[1]));
	fd = open(argv[2], O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		perror(argv[2]);
		return 2;
	}
	if (sb.st_size == 0)
		return 0;
	m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return 2;
	end = m + sb.st_size;
	p = m;
	while (p < end) {
		/* p is at a "From " separator line: the message starts after it */
		const char *s = memchr(p, '\n', (size_t)(end - p));
		const char *next;

		if (s == NULL)
			break;
		s++;
		for (next = s; next < end; next++) {
			next = memchr(next, '\n', (size_t)(end - next));
			if (next == NULL) {
				next = end;
				break;
			}
			if (end - next > 5 && memcmp(next + 1, "From ", 5) == 0)
				break;
		}
		/* drop the writer's extra LF: the message ends before this '\n' */
		verify(lib, idx++, s, (size_t)(next - s) -
		       (next == end && next > s && next[-1] == '\n' ? 1 : 0));
		p = next < end ? next + 1 : end;
	}
	dkim_close(lib);
	return 0;
}
