/*
 * authres.h - Authentication-Results (RFC 8601): reading what the archive
 * recorded at delivery, and the syntax helpers for writing our own.
 */
#ifndef AS_ENG_AUTHRES_H
#define AS_ENG_AUTHRES_H

#include <stddef.h>

#include "json.h"
#include "msg.h"

typedef struct eng_recorded {
    int found;            /* an Authentication-Results field was used */
    /* results as recorded ("" when the method is absent); dkim: "pass" if any
       dkim= result passed, else the first dkim= result */
    char dkim[16], spf[16], dmarc[16], arc[16];
} eng_recorded_t;

/*
 * Read the topmost Authentication-Results field whose authserv-id is
 * authserv_id (case-insensitive), or the topmost one when authserv_id is
 * NULL.
 */
void eng_recorded_get(const eng_msg_t *m, const char *authserv_id, eng_recorded_t *r);

/*
 * Append v as an RFC 8601 / RFC 2045 value: bare if it is a token (or a
 * dot-atom, for domains and addresses), else a quoted-string.
 */
void eng_authres_value(eng_buf_t *b, slice_t v);

#endif
