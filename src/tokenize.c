/*
 * tokenize.c - UTF-8 text to normalised tokens.
 *
 * Design.  A token is a maximal run of code points whose Unicode general
 * category is a letter (L*), a combining mark (M*) or a number (N*); every
 * other code point, and every byte that is not valid UTF-8 (stray
 * continuation bytes, overlong forms, surrogates, a sequence cut short, NUL),
 * separates tokens.  Invalid bytes are thus replaced by a separator and never
 * stop a run.  Each token is then brought to NFKC and case-folded (utf8proc),
 * so "Huawei", "HUAWEI" and fullwidth "ＨＵＡＷＥＩ" meet.  ASCII, the common
 * case, is lowered through a table without calling utf8proc.
 *
 * Decisions:
 * - Apostrophes (U+0027, U+2019, U+02BC) between a letter and a letter: a
 *   final possessive "'s" is dropped (Huawei's -> huawei); any other inner
 *   apostrophe is elided (don't -> dont, O'Brien -> obrien).  Elsewhere an
 *   apostrophe separates.
 * - Hyphens and all other punctuation separate: "cyber-espionage" gives
 *   "cyber" and "espionage"; word pairs (ngram_max 2) keep the compound.
 * - Numbers: digits are word characters, so "5G", "G7", "1980s" and "2019"
 *   are tokens; "3.5" and "1,000" split at the punctuation.  A token made of
 *   a single ASCII character ("a", "5") is dropped.
 * - Tokens longer than SPYTAG_MAX_TOKEN_BYTES after normalisation are dropped
 *   (URLs without punctuation, base64 runs, binary junk); memory stays
 *   bounded whatever the input.
 * - Stop words: a fixed English list of function words (below); "us" is not
 *   on it, because "US" is the country.
 * - Stemming (optional): Snowball English from libstemmer, after stop words.
 */
#include "internal.h"
#include "tokenize.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Sorted (byte order) for bsearch. */
static const char *const stop_words[] = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am",
    "an", "and", "any", "are", "aren", "arent", "as", "at", "be", "because",
    "been", "before", "being", "below", "between", "both", "but", "by", "can",
    "cannot", "cant", "could", "couldn", "couldnt", "did", "didn", "didnt",
    "do", "does", "doesn", "doesnt", "doing", "don", "dont", "down", "during",
    "each", "either", "else", "ever", "every", "few", "for", "from", "further",
    "had", "hadn", "hadnt", "has", "hasn", "hasnt", "have", "haven", "havent",
    "having", "he", "her", "here", "hers", "herself", "him", "himself", "his",
    "how", "however", "i", "if", "im", "in", "into", "is", "isn", "isnt", "it",
    "its", "itself", "ive", "just", "let", "ll", "me", "might", "more", "most",
    "must", "mustn", "my", "myself", "neither", "no", "nor", "not", "now",
    "of", "off", "often", "on", "once", "only", "or", "other", "ought", "our",
    "ours", "ourselves", "out", "over", "own", "re", "same", "shall", "shan",
    "she", "should", "shouldn", "shouldnt", "so", "some", "such", "than",
    "that", "the", "their", "theirs", "them", "themselves", "then", "there",
    "these", "they", "theyre", "theyve", "this", "those", "through", "thus",
    "to", "too", "under", "until", "up", "upon", "ve", "very", "was", "wasn",
    "wasnt", "we", "were", "weren", "werent", "weve", "what", "when", "where",
    "which", "while", "who", "whom", "whose", "why", "will", "with", "within",
    "without", "wont", "would", "wouldn", "wouldnt", "yet", "you", "your",
    "youre", "yours", "yourself", "yourselves",
};

#define RAW_CAP (SPYTAG_MAX_TOKEN_BYTES * 4)

struct spytag_tokenizer {
    int stopwords;
    struct sb_stemmer *stemmer;       /* NULL when not stemming */
    size_t n;                         /* bytes in raw */
    int nonascii, overflow;
    char raw[RAW_CAP + 32];           /* + room for the zero padding */
    utf8proc_int32_t ubuf[RAW_CAP + 8];
    char stembuf[SPYTAG_MAX_TOKEN_BYTES * 2 + 8];
};

/* ASCII letters and digits to their lower case; 0 for everything else. */
static const unsigned char ascii_lower[256] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
    ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
    ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e',
    ['F'] = 'f', ['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j',
    ['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n', ['O'] = 'o',
    ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r', ['S'] = 's', ['T'] = 't',
    ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y',
    ['Z'] = 'z',
    ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e',
    ['f'] = 'f', ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j',
    ['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o',
    ['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't',
    ['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y',
    ['z'] = 'z',
};

/* 1 for ASCII letters and digits. */
static const unsigned char ascii_word[128] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

spytag_tokenizer *spytag_tokenizer_new(const spytag_options *o)
{
    spytag_tokenizer *tk = calloc(1, sizeof *tk);
    if (!tk)
        return NULL;
    tk->stopwords = o ? o->stopwords : 1;
    if (o && o->stem) {
        tk->stemmer = sb_stemmer_new("english", "UTF_8");
        if (!tk->stemmer) {
            free(tk);
            return NULL;
        }
    }
    return tk;
}

void spytag_tokenizer_free(spytag_tokenizer *tk)
{
    if (!tk)
        return;
    if (tk->stemmer)
        sb_stemmer_delete(tk->stemmer);
    free(tk);
}

static int cmp_stop(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(const char *const *)elem);
}

int spytag_tokenizer_is_stopword(const spytag_tokenizer *tk, const char *s,
                                 size_t len)
{
    (void)len;
    if (!tk->stopwords)
        return 0;
    return bsearch(s, stop_words, sizeof stop_words / sizeof stop_words[0],
                   sizeof stop_words[0], cmp_stop) != NULL;
}

const char *const *spytag_stopwords(size_t *n)
{
    *n = sizeof stop_words / sizeof stop_words[0];
    return stop_words;
}

static int is_word_cp(utf8proc_int32_t cp)
{
    utf8proc_category_t c = utf8proc_category(cp);
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
}

static int is_apostrophe(utf8proc_int32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == 0x02BC;
}

/* Ends the current token: normalises it and hands it to fn. */
static inline int flush(spytag_tokenizer *tk, spytag_token_fn fn, void *user)
{
    size_t n = tk->n;
    const char *tok = tk->raw;
    int dropped = tk->overflow;

    tk->n = 0;
    tk->overflow = 0;
    if (n == 0 || dropped) {
        tk->nonascii = 0;
        return 0;
    }
    if (tk->nonascii) {
        const utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPAT |
                                      UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE;
        utf8proc_ssize_t k;
        tk->nonascii = 0;
        k = utf8proc_decompose((const utf8proc_uint8_t *)tk->raw,
                               (utf8proc_ssize_t)n, tk->ubuf, RAW_CAP,
                               (opt & ~UTF8PROC_COMPOSE) |
                                   UTF8PROC_DECOMPOSE);
        if (k < 0 || k > RAW_CAP)
            return 0;          /* too long once decomposed: drop */
        k = utf8proc_normalize_utf32(tk->ubuf, k, opt);
        if (k < 0)
            return 0;
        k = utf8proc_reencode(tk->ubuf, k, opt);
        if (k < 0)
            return 0;
        tok = (const char *)tk->ubuf;
        n = (size_t)k;
        if (n <= SPYTAG_MAX_TOKEN_BYTES)
            memset((char *)tk->ubuf + n, 0, 24);
        if (n == 1)
            return 0;          /* e.g. fullwidth "Ｘ", now one ASCII letter */
    } else {
        if (n == 1)
            return 0;          /* single ASCII letter or digit */
        memset(tk->raw + n, 0, 24);   /* NUL, and zero padding for lookups */
    }
    if (n > SPYTAG_MAX_TOKEN_BYTES)
        return 0;
    return fn(tok, n, user);
}

static void push(spytag_tokenizer *tk, const char *s, size_t k)
{
    if (tk->n + k > RAW_CAP) {
        tk->overflow = 1;
        return;
    }
    memcpy(tk->raw + tk->n, s, k);
    tk->n += k;
}

/* What follows an apostrophe of width w at s[i]: 0 separate, 1 elide (go on
 * with the token), 2 possessive "'s" (skip it and end the token). */
static int apostrophe_kind(const spytag_tokenizer *tk, const char *s,
                           size_t len, size_t i, size_t w)
{
    size_t j = i + w;
    unsigned char c;
    if (tk->n == 0 || j >= len)
        return 0;
    c = (unsigned char)s[j];
    if (c >= 0x80 || !ascii_word[c] || (c >= '0' && c <= '9'))
        return 0;
    if ((c == 's' || c == 'S') &&
        (j + 1 >= len || (unsigned char)s[j + 1] >= 0x80 ||
         !ascii_word[(unsigned char)s[j + 1]]))
        return 2;
    return 1;
}

/* The byte-at-a-time tokenizer, from text[*pos] with an empty token: it
 * stops at the first position at or after stop where no token is open
 * (so the caller can go on from there with nothing carried over), or at
 * the end of the text, where it ends the last token.  Returns SPYTAG_OK
 * or fn's non-zero value; *pos gets where it stopped. */
static int scalar(spytag_tokenizer *tk, const char *text, size_t len,
                  size_t *pos, size_t stop, spytag_token_fn fn, void *user)
{
    size_t i = *pos;
    int rc;

    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        utf8proc_int32_t cp;
        utf8proc_ssize_t w;

        if (i >= stop && tk->n == 0)
            break;
        if (c < 0x80) {
            unsigned char l = ascii_lower[c];
            if (l) {
                /* a run of ASCII letters and digits, lowered through a
                 * table, up to the room left in the buffer */
                size_t room = RAW_CAP - tk->n, j = i;
                size_t end = len - i < room ? len : i + room;
                char *o = tk->raw + tk->n;
                if (room == 0) {   /* full already (non-ASCII before) */
                    tk->overflow = 1;
                    while (i < len && ascii_lower[(unsigned char)text[i]])
                        i++;
                    continue;
                }
                do {
                    *o++ = (char)l;
                    j++;
                } while (j < end && (l = ascii_lower[(unsigned char)text[j]]));
                tk->n += j - i;
                i = j;
                if (j == end && j < len &&
                    ascii_lower[(unsigned char)text[j]]) {
                    tk->overflow = 1;          /* too long: skip the rest */
                    while (i < len && ascii_lower[(unsigned char)text[i]])
                        i++;
                }
                continue;
            }
            if (c == ' ' && tk->n == 0) {      /* runs of spaces */
                i++;
                continue;
            }
            cp = c;
            w = 1;
        } else {
            w = utf8proc_iterate((const utf8proc_uint8_t *)text + i,
                                 (utf8proc_ssize_t)(len - i), &cp);
            if (w < 1) {           /* invalid byte: a separator */
                if ((rc = flush(tk, fn, user)) != 0)
                    return rc;
                i++;
                continue;
            }
            if (!is_apostrophe(cp) && is_word_cp(cp)) {  /* U+02BC is Lm */
                push(tk, text + i, (size_t)w);
                tk->nonascii = 1;
                i += (size_t)w;
                continue;
            }
        }
        if (is_apostrophe(cp)) {
            int kind = apostrophe_kind(tk, text, len, i, (size_t)w);
            if (kind == 1) {
                i += (size_t)w;
                continue;
            }
            if (kind == 2)
                i += 1;            /* skip the 's' as well */
        }
        if ((rc = flush(tk, fn, user)) != 0)
            return rc;
        i += (size_t)w;
    }
    *pos = i;
    if (i >= len)
        return flush(tk, fn, user);
    return SPYTAG_OK;
}

#if defined(__SSE2__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#include <emmintrin.h>
#define FAST_PATH 1

/* The fast path classifies 64 bytes at a time with SSE2: which are ASCII
 * letters or digits (word bytes), and which are special: bytes of
 * multi-byte UTF-8 characters and ASCII apostrophes.  Tokens of word
 * bytes only, followed by a plain separator, are exactly what scalar()
 * would make of them, and are handed out directly.  scalar() takes over
 * where the rules need it: for a token followed by a special byte (an
 * apostrophe inside or after a word, a non-ASCII letter), and for a
 * non-ASCII byte outside a token; it gives back control at the end of
 * the token it is on.  An apostrophe outside a token only separates.
 * FAST_TAIL bytes after a block must exist, so that a token can be
 * lowered 8 bytes at a time. */
#define FAST_BLOCK 64
#define FAST_TAIL 72

static inline uint64_t mask16(__m128i v, uint64_t *special)
{
    const __m128i a = _mm_set1_epi8('a'), z = _mm_set1_epi8(25);
    const __m128i d0 = _mm_set1_epi8('0'), d9 = _mm_set1_epi8(9);
    __m128i l = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), a);
    __m128i d = _mm_sub_epi8(v, d0);
    __m128i alpha = _mm_cmpeq_epi8(_mm_min_epu8(l, z), l);
    __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(d, d9), d);
    __m128i sp = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\'')),
                              _mm_cmplt_epi8(v, _mm_setzero_si128()));
    *special = (uint64_t)(unsigned)_mm_movemask_epi8(sp);
    return (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(alpha, digit));
}

/* Bit i of the result: text[i] is a word byte; of *special: text[i] is
 * special (see above), for i in 0..63. */
static inline uint64_t classify64(const char *text, uint64_t *special)
{
    const __m128i *p = (const __m128i *)(const void *)text;
    uint64_t s0, s1, s2, s3, m;
    m = mask16(_mm_loadu_si128(p), &s0);
    m |= mask16(_mm_loadu_si128(p + 1), &s1) << 16;
    m |= mask16(_mm_loadu_si128(p + 2), &s2) << 32;
    m |= mask16(_mm_loadu_si128(p + 3), &s3) << 48;
    *special = s0 | s1 << 16 | s2 << 32 | s3 << 48;
    return m;
}

static inline int is_special(unsigned char c)
{
    return c >= 0x80 || c == '\'';
}

/* keep[n]: the bytes of an n-byte key within its three words. */
static const uint64_t keep[SPYTAG_STRTAB_INLINE + 1][3] = {
#define K(n) ((n) >= 8 ? ~0ULL : (n) <= 0 ? 0ULL \
                                          : (1ULL << (8 * ((n) & 7))) - 1)
#define ROW(n) { K(n), K((n) - 8), K((n) - 16) }
    ROW(0), ROW(1), ROW(2), ROW(3), ROW(4), ROW(5), ROW(6), ROW(7),
    ROW(8), ROW(9), ROW(10), ROW(11), ROW(12), ROW(13), ROW(14), ROW(15),
    ROW(16), ROW(17), ROW(18), ROW(19), ROW(20), ROW(21), ROW(22), ROW(23),
#undef ROW
#undef K
};

/* Hands text[s..e) (ASCII letters and digits, at least FAST_TAIL bytes
 * before the end of the text) on, lowered: into the sink when there is
 * one, else to fn, zero-padded as flush() does.  Tokens of one byte or
 * over the length limit are dropped. */
static inline int emit(spytag_tokenizer *tk, const char *text, size_t s,
                       size_t e, spytag_toksink *sink, spytag_token_fn fn,
                       void *user)
{
    const uint64_t lower = 0x2020202020202020ULL;  /* letters; digits stay */
    size_t n = e - s, k;
    if (n - 2 < SPYTAG_STRTAB_INLINE - 1) {        /* 2 to 23 bytes */
        uint64_t x[3];
        memcpy(x, text + s, 24);
        x[0] = (x[0] | lower) & keep[n][0];
        x[1] = (x[1] | lower) & keep[n][1];
        x[2] = (x[2] | lower) & keep[n][2];
        if (sink) {
            size_t j = sink->n;
            sink->key[j][0] = x[0];
            sink->key[j][1] = x[1];
            sink->key[j][2] = x[2] | (uint64_t)n << 56;
            sink->id[j] = SPYTAG_SINK_PENDING;
            if (++sink->n == SPYTAG_SINK_CAP)
                sink->full(sink);
            return 0;
        }
        memcpy(tk->raw, x, 24);
        return fn(tk->raw, n, user);
    }
    if (n < 2 || n > SPYTAG_MAX_TOKEN_BYTES)
        return 0;
    for (k = 0; k < n; k++)
        tk->raw[k] = (char)(text[s + k] | 0x20);
    memset(tk->raw + n, 0, 24);
    return fn(tk->raw, n, user);
}
#endif

/* fn for scalar() when tokens go to a sink. */
static int to_sink(const char *tok, size_t len, void *user)
{
    spytag_toksink *sink = user;
    size_t j = sink->n;
    if (len <= SPYTAG_STRTAB_INLINE) {   /* tok is zero-padded */
        memcpy(sink->key[j], tok, 24);
        sink->key[j][2] |= (uint64_t)len << 56;
        sink->id[j] = SPYTAG_SINK_PENDING;
    } else {
        sink->id[j] = sink->word(sink, tok, len);
    }
    if (++sink->n == SPYTAG_SINK_CAP)
        sink->full(sink);
    return 0;
}

/* The tokenizer: the fast path where it can (see above), scalar() for the
 * rest.  Tokens go to the sink when there is one, else to fn. */
static int run(spytag_tokenizer *tk, const char *text, size_t len,
               spytag_toksink *sink, spytag_token_fn fn, void *user)
{
    size_t pos = 0;
    int rc;

    tk->n = 0;
    tk->nonascii = 0;
    tk->overflow = 0;
    if (sink) {
        fn = to_sink;
        user = sink;
    }
#ifdef FAST_PATH
    {
        size_t open = SIZE_MAX;       /* start of a token running on */
        while (len - pos >= FAST_BLOCK + FAST_TAIL) {
            uint64_t sp, m = classify64(text + pos, &sp);
            size_t next = pos + FAST_BLOCK;   /* where the next block starts */
            if (open != SIZE_MAX) {           /* a token from the last block */
                size_t e;
                if (!~m) {
                    pos = next;               /* ... runs through this one */
                    continue;
                }
                e = pos + (size_t)__builtin_ctzll(~m);
                /* ending at a special byte (then sp is not 0), it is left
                 * to the loop below, open */
                if (!is_special((unsigned char)text[e])) {
                    if ((rc = emit(tk, text, open, e, sink, fn, user)) != 0)
                        return rc;
                    open = SIZE_MAX;
                    m &= ~0ULL << (e - pos);
                    sp &= ~0ULL << (e - pos);
                }
            }
            if (!sp) {                        /* the common case */
                while (m) {
                    size_t s0 = (size_t)__builtin_ctzll(m);
                    uint64_t x = m + (m & -m);   /* run cleared, its end set */
                    if (!x) {
                        open = pos + s0;
                        break;
                    }
                    if ((rc = emit(tk, text, pos + s0,
                                   pos + (size_t)__builtin_ctzll(x), sink, fn,
                                   user)) != 0)
                        return rc;
                    m = x & (x - 1);
                }
                pos = next;
                continue;
            }
            for (;;) {
                size_t s0, e, r;
                if (open != SIZE_MAX) {  /* the token left above */
                    s0 = open;
                    e = pos + (size_t)__builtin_ctzll(~m);
                    open = SIZE_MAX;
                } else {
                    uint64_t before = m ? sp & ((m & -m) - 1) : sp, high;
                    /* an apostrophe outside a token only separates */
                    for (high = before; high; high &= high - 1)
                        if ((unsigned char)text[pos + (size_t)__builtin_ctzll(
                                high)] >= 0x80)
                            break;
                    if (high) {               /* non-ASCII outside a token */
                        s0 = pos + (size_t)__builtin_ctzll(high);
                        e = s0;
                    } else {
                        uint64_t x;
                        sp &= ~before;
                        if (!m)
                            break;
                        s0 = pos + (size_t)__builtin_ctzll(m);
                        x = m + (m & -m);
                        if (!x) {
                            open = s0;
                            break;
                        }
                        e = pos + (size_t)__builtin_ctzll(x);
                        if (!is_special((unsigned char)text[e])) {
                            if ((rc = emit(tk, text, s0, e, sink, fn,
                                           user)) != 0)
                                return rc;
                            m = x & (x - 1);
                            sp &= ~0ULL << (e - pos);
                            continue;
                        }
                    }
                }
                /* the byte-at-a-time rules, from s0 past e */
                r = s0;
                if ((rc = scalar(tk, text, len, &r, e + 1, fn, user)) != 0)
                    return rc;
                if (r >= len)
                    return SPYTAG_OK;
                if (r >= next) {
                    next = r;
                    break;
                }
                m &= ~0ULL << (r - pos);
                sp &= ~0ULL << (r - pos);
            }
            pos = next;
        }
        if (open != SIZE_MAX)
            pos = open;
    }
#endif
    return scalar(tk, text, len, &pos, len, fn, user);
}

int spytag_tokenize_raw(spytag_tokenizer *tk, const char *text, size_t len,
                        spytag_token_fn fn, void *user)
{
    return run(tk, text, len, NULL, fn, user);
}

void spytag_tokenize_keys(spytag_tokenizer *tk, const char *text, size_t len,
                          spytag_toksink *sink)
{
    (void)run(tk, text, len, sink, NULL, NULL);
}

size_t spytag_token_final(spytag_tokenizer *tk, const char *tok, size_t len,
                          const char **out)
{
    const sb_symbol *st;
    int n;

    if (spytag_tokenizer_is_stopword(tk, tok, len))
        return 0;
    *out = tok;
    if (!tk->stemmer)
        return len;
    st = sb_stemmer_stem(tk->stemmer, (const sb_symbol *)tok, (int)len);
    n = sb_stemmer_length(tk->stemmer);
    if (!st || n <= 0 || (size_t)n >= sizeof tk->stembuf)
        return len;                /* out of memory in the stemmer: keep */
    memcpy(tk->stembuf, st, (size_t)n);
    tk->stembuf[n] = '\0';
    *out = tk->stembuf;
    return (size_t)n;
}

struct final_ctx {
    spytag_tokenizer *tk;
    spytag_token_fn fn;
    void *user;
};

static int final_cb(const char *tok, size_t len, void *user)
{
    struct final_ctx *ctx = user;
    const char *out;
    size_t n = spytag_token_final(ctx->tk, tok, len, &out);
    return n ? ctx->fn(out, n, ctx->user) : 0;
}

int spytag_tokenize(spytag_tokenizer *tk, const char *text, size_t len,
                    spytag_token_fn fn, void *user)
{
    struct final_ctx ctx = { tk, fn, user };
    if (!tk || !fn || (!text && len))
        return SPYTAG_EINVAL;
    return spytag_tokenize_raw(tk, text, len, final_cb, &ctx);
}
