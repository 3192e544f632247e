/*
 * jsonl.c - one JSON Lines record: {"id": ..., "labels": [...], "text": ...}
 * and any other fields, which are kept in the parsed object for callers
 * that pass them through.  Parsing is jansson's, strict: duplicate keys,
 * invalid UTF-8 and lone surrogate escapes are errors; "\u0000" is allowed
 * in strings (the tokenizer treats it as a separator).
 */
#include "internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void spytag_record_clear(spytag_record *r)
{
    size_t i;
    if (!r)
        return;
    free(r->id);
    free(r->text);
    for (i = 0; i < r->nlabels; i++)
        free(r->labels[i]);
    free(r->labels);
    if (r->json)
        json_decref((json_t *)r->json);
    memset(r, 0, sizeof *r);
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

int spytag_record_parse(const char *line, size_t len, spytag_record *r,
                        spytag_error *err)
{
    json_error_t je;
    json_t *root, *v;
    int rc = SPYTAG_EFORMAT;

    memset(r, 0, sizeof *r);
    root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                      &je);
    if (!root)
        return spytag_fail(err, SPYTAG_EFORMAT, NULL, 0,
                           "invalid JSON at column %d: %s", je.column,
                           je.text);
    r->json = root;
    if (!json_is_object(root)) {
        spytag_fail(err, rc, NULL, 0, "a line must hold a JSON object");
        goto cleanup;
    }
    v = json_object_get(root, "id");
    if (v) {
        if (json_is_string(v))
            r->id = dup_n(json_string_value(v), json_string_length(v));
        else if (json_is_integer(v)) {
            char buf[32];
            snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
                     json_integer_value(v));
            r->id = dup_n(buf, strlen(buf));
        } else {
            spytag_fail(err, rc, NULL, 0, "\"id\" must be a string");
            goto cleanup;
        }
        if (!r->id)
            goto oom;
    }
    v = json_object_get(root, "text");
    if (v) {
        if (!json_is_string(v)) {
            spytag_fail(err, rc, NULL, 0, "\"text\" must be a string");
            goto cleanup;
        }
        r->text_len = json_string_length(v);
        r->text = dup_n(json_string_value(v), r->text_len);
        if (!r->text)
            goto oom;
    }
    v = json_object_get(root, "labels");
    if (v && !json_is_null(v)) {
        size_t i, n;
        if (!json_is_array(v)) {
            spytag_fail(err, rc, NULL, 0, "\"labels\" must be an array");
            goto cleanup;
        }
        n = json_array_size(v);
        r->has_labels = 1;
        r->labels = calloc(n ? n : 1, sizeof *r->labels);
        if (!r->labels)
            goto oom;
        for (i = 0; i < n; i++) {
            json_t *s = json_array_get(v, i);
            if (!json_is_string(s)) {
                spytag_fail(err, rc, NULL, 0,
                            "\"labels\" must hold strings only");
                goto cleanup;
            }
            r->labels[i] = dup_n(json_string_value(s), json_string_length(s));
            if (!r->labels[i])
                goto oom;
            r->nlabels = i + 1;
        }
    }
    return SPYTAG_OK;
oom:
    rc = spytag_fail(err, SPYTAG_ENOMEM, NULL, 0, "out of memory");
cleanup:
    spytag_record_clear(r);
    return rc;
}
