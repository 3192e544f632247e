/*
 * cmd_train.c - spytag train: read a labelled corpus, train, save a model.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "Usage: spytag train [OPTIONS] CORPUS\n"
    "Train a model on CORPUS: a folder with labels.tsv (lines of\n"
    "'path<TAB>topic topic ...'), a folder with one sub-folder per topic,\n"
    "or a .jsonl file of {\"id\", \"labels\", \"text\"} lines.\n\n"
    "  -o, --output MODEL  where to write the model (default spytag.model);\n"
    "                      written atomically, an old file stays intact on\n"
    "                      failure\n"
    "  -q, --quiet         no progress and no summary\n"
    "      --progress      show progress even when stderr is not a terminal\n"
    "  -h, --help          show this help\n\n" CLI_TRAIN_HELP "\n"
    EXIT_CODES_HELP;

static const struct option longopts[] = {
    { "output", required_argument, NULL, 'o' },
    { "quiet", no_argument, NULL, 'q' },
    { "progress", no_argument, NULL, 'P' },
    { "help", no_argument, NULL, 'h' },
    CLI_TRAIN_LONGOPTS,
    { NULL, 0, NULL, 0 }
};

int cmd_train(int argc, char **argv)
{
    const char *out = "spytag.model";
    spytag_options o;
    spytag_corpus *c = NULL;
    spytag_model *m = NULL;
    spytag_error err;
    cli_progress prog;
    int before;
    int ch, quiet = 0, force = 0, rc, code = EXIT_FATAL;
    double t0;

    cli_train_defaults(&o);
    optind = 1;
    while ((before = optind,
            ch = getopt_long(argc, argv, ":o:qhC:j:", longopts, NULL)) != -1) {
        int r;
        switch (ch) {
        case 'o':
            if (!*optarg)
                return cli_usage_error("train", "empty --output");
            out = optarg;
            break;
        case 'q': quiet = 1; break;
        case 'P': force = 1; break;
        case 'h':
            fputs(usage_text, stdout);
            return cli_finish_stdout(EXIT_OK);
        case ':':
        case '?':
            return cli_bad_option("train", ch, argc, argv,
                                  longopts, before);
        default:
            r = cli_train_option("train", ch, optarg, &o);
            if (r < 0)
                return EXIT_USAGE;
            if (r > 0)
                return cli_usage_error("train", "unknown option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("train", "expected one CORPUS, got %d",
                               argc - optind);
    if (cli_train_check("train", &o) != 0)
        return EXIT_USAGE;
    cli_progress_init(&prog, force, quiet);
    o.progress = cli_progress_cb;
    o.progress_user = &prog;
    t0 = cli_now();
    memset(&err, 0, sizeof err);
    rc = spytag_corpus_load(argv[optind], &c, &err);
    if (rc != SPYTAG_OK) {
        cli_liberror(&err, rc);
        goto cleanup;
    }
    rc = spytag_train(c, &o, &m, &err);
    cli_progress_done(&prog);
    if (rc != SPYTAG_OK) {
        cli_liberror(&err, rc);
        goto cleanup;
    }
    rc = spytag_model_save(m, out, &err);
    if (rc != SPYTAG_OK) {
        cli_liberror(&err, rc);
        goto cleanup;
    }
    if (!quiet)
        printf("trained %s: %zu documents, %zu topics (%s), %zu terms, "
               "%.2f s -> %s\n",
               argv[optind], spytag_corpus_size(c), spytag_model_ntopics(m),
               spytag_model_multiclass(m) ? "multi-class" : "multi-label",
               spytag_model_vocab_size(m), cli_now() - t0, out);
    code = EXIT_OK;
cleanup:
    spytag_model_free(m);
    spytag_corpus_free(c);
    return cli_finish_stdout(code);
}
