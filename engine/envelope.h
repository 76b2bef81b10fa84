/*
 * envelope.h - the SMTP envelope of an archived message, recovered.
 *
 * SPF judges the client IP, the HELO name and the MAIL FROM of the SMTP
 * session, none of which an archive stores as such.  The receiving border
 * wrote them down: MAIL FROM in Return-Path (RFC 5321 4.4), the client's
 * IP and HELO in the "from" clause of its Received field.  Which Received
 * is the border's depends on the site: --border-hop=N or --border-by=REGEX.
 */
#ifndef AS_ENG_ENVELOPE_H
#define AS_ENG_ENVELOPE_H

#include <regex.h>
#include <stdint.h>

#include "engine.h"
#include "msg.h"

typedef struct eng_envelope {
    int have_ip, have_helo, have_mailfrom;
    int af;               /* AF_INET or AF_INET6 */
    uint8_t ip[16];
    char ip_text[64];     /* as printed by inet_ntop */
    char helo[256];
    char mailfrom[512];   /* "" = the null sender <> */
    const char *why;      /* when the IP or MAIL FROM is missing: why */
} eng_envelope_t;

/*
 * Fill e from the message and the overrides in o.  by_re is o->border_by
 * compiled (NULL when not given).
 */
void eng_envelope_get(const eng_msg_t *m, const eng_envelope_opts_t *o,
                      const regex_t *by_re, eng_envelope_t *e);

/* Parse "192.0.2.1", "2001:db8::1" or "IPv6:2001:db8::1"; 0 on success. */
int eng_parse_ip(slice_t s, int *af, uint8_t ip[16]);

/*
 * Parse the "from" clause of one Received field value: the HELO name and
 * the client IP literal.  Returns 1 if an IP was found.
 */
int eng_received_from(slice_t value, char *helo, size_t helo_cap, int *af, uint8_t ip[16]);

#endif
