/*
 * fuzz_jsonl.c - libFuzzer harness: spytag_record_parse (internal.h) on one
 * line of arbitrary bytes.  A success must give a consistent record; a
 * failure must say why.  Built and run by fuzz/run.sh.
 */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spytag_record r;
    spytag_error err;
    size_t i;
    int rc;

    memset(&err, 0, sizeof err);
    rc = spytag_record_parse((const char *)data, size, &r, &err);
    if (rc == SPYTAG_OK) {
        if (r.text && r.text[r.text_len] != '\0')
            abort();
        if (r.nlabels && !r.labels)
            abort();
        for (i = 0; i < r.nlabels; i++)
            if (!r.labels[i])
                abort();
        if (r.id)
            (void)strlen(r.id);
        spytag_record_clear(&r);
    } else {
        if (rc != SPYTAG_EFORMAT && rc != SPYTAG_ENOMEM)
            abort();
        if (err.message[0] == '\0')
            abort();
        /* a failed parse leaves nothing to free, and clear is harmless */
        spytag_record_clear(&r);
    }
    return 0;
}
