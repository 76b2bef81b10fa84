/*
 * result.h - RFC 8601 result vocabulary shared by every checker.
 *
 * A result is what verifying found, not an error of the program: a `fail`
 * is stored in the message's line with a reason a person can read.
 */
#ifndef AS_ENG_RESULT_H
#define AS_ENG_RESULT_H

typedef enum {
    ENG_NONE = 0,
    ENG_PASS,
    ENG_FAIL,
    ENG_SOFTFAIL, /* SPF only */
    ENG_NEUTRAL,
    ENG_POLICY,
    ENG_TEMPERROR,
    ENG_PERMERROR
} eng_result_t;

static inline const char *eng_result_str(eng_result_t r)
{
    static const char *const names[] = { "none",    "pass",   "fail",
                                         "softfail", "neutral", "policy",
                                         "temperror", "permerror" };
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "none";
}

#endif
