/*
 * jsonline.c - see jsonline.h.  Strictness matches the library's jansson
 * settings: invalid UTF-8, lone surrogate escapes, control characters in
 * strings, trailing garbage and duplicate keys (compared decoded, so
 * "te\u0078t" repeats "text") are errors; "\u0000" is allowed in values
 * but not in keys.
 */
#include "jsonline.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct {
    const unsigned char *s;
    size_t n, i;
    char *err;
    size_t errcap;
    int failed;
} scan;

static int fail(scan *sc, const char *what)
{
    if (!sc->failed)
        snprintf(sc->err, sc->errcap, "invalid JSON at column %zu: %s",
                 sc->i + 1, what);
    sc->failed = 1;
    return -1;
}

/* 1 for bytes a string copies as they are: printable ASCII but the quote
 * and the backslash. */
static const unsigned char plain[256] = {
#define R8(x) x, x, x, x, x, x, x, x
    R8(0), R8(0), R8(0), R8(0),             /* 0x00-0x1f: controls */
    1, 1, 0, 1, 1, 1, 1, 1,                 /* 0x20-0x27: '"' */
    R8(1), R8(1), R8(1), R8(1), R8(1), R8(1), /* 0x28-0x57 */
    1, 1, 1, 1, 0, 1, 1, 1,                 /* 0x58-0x5f: '\\' */
    R8(1), R8(1), R8(1), R8(1),             /* 0x60-0x7f */
#undef R8
};

static void ws(scan *sc)
{
    while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' ||
                             sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r'))
        sc->i++;
}

size_t jl_utf8_seq(const unsigned char *p, size_t n)
{
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xe0 && p[0] <= 0xef) {
        if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
            return 0;
        if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0))
            return 0;
        return 3;
    }
    if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
            (p[3] & 0xc0) != 0x80)
            return 0;
        if ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

static int hex4(scan *sc, unsigned *out)
{
    unsigned v = 0;
    int k;
    if (sc->n - sc->i < 4)
        return fail(sc, "truncated \\u escape");
    for (k = 0; k < 4; k++) {
        unsigned char c = sc->s[sc->i + (size_t)k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return fail(sc, "bad \\u escape");
    }
    sc->i += 4;
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Scans a string at sc->i (on the opening quote).  When out is not NULL,
 * decodes it there (the caller makes room for as many bytes as the raw
 * string has) and sets *outlen. */
static int string(scan *sc, char *out, size_t *outlen)
{
    size_t o = 0;
    sc->i++;                                   /* the quote */
    for (;;) {
        size_t start = sc->i;
        unsigned char c;
        /* a run of plain bytes, 16 at a time where SSE2 is there */
#ifdef __SSE2__
        while (sc->n - sc->i >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(
                sc->s + sc->i));
            /* the quote, the backslash, and (signed) below 0x20: the
             * controls and every byte from 0x80 up */
            __m128i stop = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
            unsigned m = (unsigned)_mm_movemask_epi8(stop);
            if (m) {
                sc->i += (size_t)__builtin_ctz(m);
                break;
            }
            sc->i += 16;
        }
#endif
        while (sc->i < sc->n && plain[sc->s[sc->i]])
            sc->i++;
        if (out && sc->i > start) {
            memcpy(out + o, sc->s + start, sc->i - start);
            o += sc->i - start;
        }
        if (sc->i >= sc->n)
            return fail(sc, "unterminated string");
        c = sc->s[sc->i];
        if (c == '"') {
            sc->i++;
            if (outlen)
                *outlen = o;
            return 0;
        }
        if (c < 0x20)
            return fail(sc, "control character in a string");
        if (c >= 0x80) {
            size_t k = jl_utf8_seq(sc->s + sc->i, sc->n - sc->i);
            if (!k)
                return fail(sc, "invalid UTF-8 in a string");
            if (out) {
                memcpy(out + o, sc->s + sc->i, k);
                o += k;
            }
            sc->i += k;
            continue;
        }
        /* an escape */
        if (++sc->i >= sc->n)
            return fail(sc, "unterminated escape");
        c = sc->s[sc->i++];
        switch (c) {
        case '"': case '\\': case '/':
            if (out) out[o++] = (char)c;
            break;
        case 'b': if (out) out[o++] = '\b'; break;
        case 'f': if (out) out[o++] = '\f'; break;
        case 'n': if (out) out[o++] = '\n'; break;
        case 'r': if (out) out[o++] = '\r'; break;
        case 't': if (out) out[o++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (hex4(sc, &cp))
                return -1;
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return fail(sc, "lone low surrogate escape");
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (sc->n - sc->i < 6 || sc->s[sc->i] != '\\' ||
                    sc->s[sc->i + 1] != 'u')
                    return fail(sc, "lone high surrogate escape");
                sc->i += 2;
                if (hex4(sc, &lo))
                    return -1;
                if (lo < 0xdc00 || lo > 0xdfff)
                    return fail(sc, "bad surrogate pair");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            if (out)
                o += put_utf8(out + o, cp);
            break;
        }
        default:
            sc->i--;
            return fail(sc, "bad escape");
        }
    }
}

static int value(scan *sc, int depth);

static int number(scan *sc)
{
    size_t d;
    if (sc->i < sc->n && sc->s[sc->i] == '-')
        sc->i++;
    if (sc->i >= sc->n)
        return fail(sc, "truncated number");
    if (sc->s[sc->i] == '0') {
        sc->i++;
    } else if (sc->s[sc->i] >= '1' && sc->s[sc->i] <= '9') {
        while (sc->i < sc->n && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9')
            sc->i++;
    } else {
        return fail(sc, "unexpected character");
    }
    if (sc->i < sc->n && sc->s[sc->i] == '.') {
        d = ++sc->i;
        while (sc->i < sc->n && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9')
            sc->i++;
        if (sc->i == d)
            return fail(sc, "bad number");
    }
    if (sc->i < sc->n && (sc->s[sc->i] == 'e' || sc->s[sc->i] == 'E')) {
        sc->i++;
        if (sc->i < sc->n && (sc->s[sc->i] == '+' || sc->s[sc->i] == '-'))
            sc->i++;
        d = sc->i;
        while (sc->i < sc->n && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9')
            sc->i++;
        if (sc->i == d)
            return fail(sc, "bad number");
    }
    return 0;
}

static int literal(scan *sc, const char *word)
{
    size_t k = strlen(word);
    if (sc->n - sc->i < k || memcmp(sc->s + sc->i, word, k) != 0)
        return fail(sc, "unexpected character");
    sc->i += k;
    return 0;
}

static int container(scan *sc, int depth, unsigned char close)
{
    int first = 1;
    if (depth > JL_MAX_DEPTH)
        return fail(sc, "nested too deeply");
    sc->i++;
    for (;;) {
        ws(sc);
        if (sc->i < sc->n && sc->s[sc->i] == close && first) {
            sc->i++;
            return 0;
        }
        if (close == '}') {
            if (sc->i >= sc->n || sc->s[sc->i] != '"')
                return fail(sc, "expected a string key");
            if (string(sc, NULL, NULL))
                return -1;
            ws(sc);
            if (sc->i >= sc->n || sc->s[sc->i] != ':')
                return fail(sc, "expected ':'");
            sc->i++;
        }
        if (value(sc, depth + 1))
            return -1;
        ws(sc);
        if (sc->i < sc->n && sc->s[sc->i] == ',') {
            sc->i++;
            first = 0;
            continue;
        }
        if (sc->i < sc->n && sc->s[sc->i] == close) {
            sc->i++;
            return 0;
        }
        return fail(sc, close == '}' ? "expected ',' or '}'"
                                     : "expected ',' or ']'");
    }
}

static int value(scan *sc, int depth)
{
    ws(sc);
    if (sc->i >= sc->n)
        return fail(sc, "unexpected end of line");
    switch (sc->s[sc->i]) {
    case '{': return container(sc, depth, '}');
    case '[': return container(sc, depth, ']');
    case '"': return string(sc, NULL, NULL);
    case 't': return literal(sc, "true");
    case 'f': return literal(sc, "false");
    case 'n': return literal(sc, "null");
    default: return number(sc);
    }
}

int jl_key_is(const jl_member *m, const char *k)
{
    size_t n = strlen(k);
    if (m->key_len == n && memcmp(m->key, k, n) == 0)
        return 1;
    if (m->key_len <= 6 * n && memchr(m->key, '\\', m->key_len)) {
        /* an escaped name such as "t\u0065xt": compare it decoded */
        char out[64];
        size_t olen = 0;
        char err[8];
        scan sc = { (const unsigned char *)m->key - 1, m->key_len + 2, 0,
                    err, sizeof err, 0 };
        if (m->key_len + 2 <= sizeof out && string(&sc, out, &olen) == 0)
            return olen == n && memcmp(out, k, n) == 0;
    }
    return 0;
}

static int grow(jl_record *r, size_t need)
{
    if (need <= r->cap)
        return 0;
    {
        size_t cap = r->cap ? r->cap : 4096;
        char *b;
        while (cap < need)
            cap *= 2;
        b = realloc(r->buf, cap);
        if (!b)
            return -1;
        r->buf = b;
        r->cap = cap;
    }
    return 0;
}

int jl_parse(jl_record *r, const char *line, size_t len, char *err,
             size_t errcap)
{
    scan sc = { (const unsigned char *)line, len, 0, err, errcap, 0 };
    size_t k, j, used = 0, text_off = (size_t)-1, id_off = (size_t)-1;
    /* each member's key decoded (in r->buf at koff when it had escapes,
     * else the raw bytes), its length and its hash: keys are compared
     * decoded, as jansson does ("te\u0078t" is "text"), and each is
     * decoded and hashed once, so that the duplicate check stays linear in
     * the line's bytes */
    size_t koff[JL_MAX_MEMBERS], klen[JL_MAX_MEMBERS];
    unsigned char kesc[JL_MAX_MEMBERS];
    uint64_t khash[JL_MAX_MEMBERS];

    r->nmembers = 0;
    r->id = r->text = NULL;
    r->text_val = r->id_val = NULL;
    r->text_len = 0;
    ws(&sc);
    if (sc.i >= sc.n || sc.s[sc.i] != '{')
        return fail(&sc, "a line must hold a JSON object");
    sc.i++;
    ws(&sc);
    if (sc.i < sc.n && sc.s[sc.i] == '}') {
        sc.i++;
    } else {
        for (;;) {
            jl_member *m;
            size_t kstart, kn;
            const char *key;
            int is_text, is_id;
            ws(&sc);
            if (r->nmembers == JL_MAX_MEMBERS)
                return fail(&sc, "too many members");
            m = &r->members[r->nmembers];
            if (sc.i >= sc.n || sc.s[sc.i] != '"')
                return fail(&sc, "expected a string key");
            kstart = sc.i;
            if (string(&sc, NULL, NULL))
                return -1;
            m->start = line + kstart;
            m->key = line + kstart + 1;
            m->key_len = sc.i - kstart - 2;
            kn = r->nmembers;
            kesc[kn] = memchr(m->key, '\\', m->key_len) != NULL;
            if (kesc[kn]) {
                scan ks = { (const unsigned char *)m->key - 1,
                            m->key_len + 2, 0, err, errcap, 0 };
                if (grow(r, used + m->key_len + 1) != 0) {
                    snprintf(err, errcap, "out of memory");
                    return -1;
                }
                klen[kn] = 0;
                if (string(&ks, r->buf + used, &klen[kn]) != 0)
                    return fail(&sc, "bad key");     /* (scanned before) */
                koff[kn] = used;
                used += klen[kn];
                if (memchr(r->buf + koff[kn], '\0', klen[kn]))
                    return fail(&sc, "NUL byte in object key not supported");
            } else {
                klen[kn] = m->key_len;
            }
            key = kesc[kn] ? r->buf + koff[kn] : m->key;
            khash[kn] = XXH3_64bits(key, klen[kn]);
            is_text = klen[kn] == 4 && memcmp(key, "text", 4) == 0;
            is_id = klen[kn] == 2 && memcmp(key, "id", 2) == 0;
            ws(&sc);
            if (sc.i >= sc.n || sc.s[sc.i] != ':')
                return fail(&sc, "expected ':'");
            sc.i++;
            ws(&sc);
            if (sc.i < sc.n && sc.s[sc.i] == '"' && (is_text || is_id)) {
                /* decode while validating: one pass over the text */
                size_t vlen = 0;
                if (grow(r, used + (sc.n - sc.i) + 1) != 0) {
                    snprintf(err, errcap, "out of memory");
                    return -1;
                }
                if (string(&sc, r->buf + used, &vlen))
                    return -1;
                r->buf[used + vlen] = '\0';
                if (is_text) {
                    text_off = used;
                    r->text_len = vlen;
                } else {
                    id_off = used;
                }
                used += vlen + 1;
            } else if (value(&sc, 1)) {
                return -1;
            }
            m->len = (size_t)(line + sc.i - m->start);
            key = kesc[kn] ? r->buf + koff[kn] : m->key;
            for (j = 0; j < kn; j++)
                if (khash[j] == khash[kn] && klen[j] == klen[kn] &&
                    memcmp(kesc[j] ? r->buf + koff[j] : r->members[j].key,
                           key, klen[kn]) == 0)
                    return fail(&sc, "duplicate key");
            ws(&sc);
            /* a member counts (and may pass through to the answer) only
             * once its value is known to be whole: "12x" is not 12 */
            if (sc.i < sc.n && (sc.s[sc.i] == ',' || sc.s[sc.i] == '}')) {
                r->nmembers++;
                if (sc.s[sc.i++] == ',')
                    continue;
                break;
            }
            return fail(&sc, "expected ',' or '}'");
        }
    }
    ws(&sc);
    if (sc.i != sc.n)
        return fail(&sc, "trailing characters after the object");

    for (k = 0; k < r->nmembers; k++) {
        const jl_member *m = &r->members[k];
        if (jl_key_is(m, "text")) {
            r->text = m;
            if (text_off == (size_t)-1) {
                snprintf(err, errcap, "\"text\" must be a string");
                return -1;
            }
            r->text_val = r->buf + text_off;
        } else if (jl_key_is(m, "id")) {
            r->id = m;
            if (id_off == (size_t)-1) {
                /* an integer id is kept as written */
                const char *v = memchr(m->start + m->key_len + 2, ':',
                                       m->len - m->key_len - 2);
                size_t n;
                v++;
                while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
                    v++;
                n = (size_t)(m->start + m->len - v);
                if (n == 0 || strspn(v, "-0123456789") < n) {
                    snprintf(err, errcap, "\"id\" must be a string or an "
                             "integer");
                    return -1;
                }
                if (grow(r, used + n + 1) != 0) {
                    snprintf(err, errcap, "out of memory");
                    return -1;
                }
                memcpy(r->buf + used, v, n);
                r->buf[used + n] = '\0';
                id_off = used;
                used += n + 1;
            }
            r->id_val = r->buf + id_off;
        }
    }
    return 0;
}

void jl_record_free(jl_record *r)
{
    if (!r)
        return;
    free(r->buf);
    r->buf = NULL;
    r->cap = 0;
}
