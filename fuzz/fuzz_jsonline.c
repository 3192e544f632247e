/*
 * fuzz_jsonline.c - libFuzzer harness for classify's own JSON Lines reader,
 * jl_parse (src/jsonline.c), on one line of arbitrary bytes.  The line is
 * copied into a buffer of exactly its size, as a NUL-free worst case, so
 * that any read past its end is caught.  Checks: the member spans lie in
 * the line, "text" and "id" are NUL-terminated, and whenever jansson (with
 * the library's settings) also accepts the line, both decode "text" and a
 * string "id" to the same bytes.
 *
 * With FUZZ_JSONLINE_STRICT defined, the harness also stops when the two
 * parsers disagree on whether the line is valid at all (a differential
 * check; some differences are documented, e.g. duplicate keys compared
 * before unescaping).  Built and run by fuzz/run.sh.
 */
#include "jsonline.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static jl_record r;               /* reused, as classify does */
    char err[256];
    char *line = malloc(size ? size : 1);
    json_t *root;
    json_error_t je;
    size_t k;
    int rc;

    if (!line)
        abort();
    if (size)
        memcpy(line, data, size);
    err[0] = '\0';
    rc = jl_parse(&r, line, size, err, sizeof err);
    root = json_loadb(line, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                      &je);
    if (rc != 0) {
        if (err[0] == '\0')
            abort();                  /* a failure must say why */
    } else {
        for (k = 0; k < r.nmembers; k++) {
            const jl_member *m = &r.members[k];
            if (m->start < line || m->start + m->len > line + size ||
                m->key < m->start || m->key + m->key_len > m->start + m->len)
                abort();
        }
        if (r.text && r.text_val[r.text_len] != '\0')
            abort();
        if (r.id && !r.id_val)
            abort();
        if (r.id)
            (void)strlen(r.id_val);
        if (root && json_is_object(root)) {
            json_t *t = json_object_get(root, "text");
            json_t *id = json_object_get(root, "id");
            if (r.text && json_is_string(t) &&
                (json_string_length(t) != r.text_len ||
                 memcmp(json_string_value(t), r.text_val, r.text_len) != 0))
                abort();              /* "text" decoded differently */
            if (r.id && json_is_string(id) &&
                strcmp(json_string_value(id), r.id_val) != 0 &&
                strlen(json_string_value(id)) == json_string_length(id))
                abort();              /* "id" decoded differently */
        }
    }
#ifdef FUZZ_JSONLINE_STRICT
    {
        /* "text" that is not a string and the like are not syntax */
        int jl_syntax_ok = rc == 0 || strncmp(err, "invalid JSON", 12) != 0;
        if (jl_syntax_ok != (root != NULL && json_is_object(root)))
            abort();
    }
#endif
    json_decref(root);
    free(line);
    return 0;
}
