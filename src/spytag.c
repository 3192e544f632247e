/*
 * spytag.c - the spytag program: a dispatch table of subcommands.
 *
 * Adding a subcommand: write cmd_NAME.c with int cmd_NAME(int, char **)
 * that parses its own options (usage next to them, --help to stdout),
 * declare it in cli.h, add a row below and the file to Makefile.am.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    { "train", cmd_train, "train a model on a labelled corpus" },
    { "classify", cmd_classify, "tag files, folders, JSON Lines or stdin" },
    { "eval", cmd_eval, "cross-validate, or score a model on a test set" },
    { "info", cmd_info, "show a model's topics, settings and top terms" },
};

static void usage(FILE *f)
{
    size_t i;
    fputs("Usage: spytag COMMAND [OPTIONS] [ARGS]\n"
          "Tag documents with topics using TF-IDF and linear SVMs.\n\n"
          "Commands:\n", f);
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\nRun 'spytag COMMAND --help' for a command's options.\n"
          "  -h, --help     show this help\n"
          "  -V, --version  show the version\n\n" EXIT_CODES_HELP, f);
}

int main(int argc, char **argv)
{
    size_t i;
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return cli_finish_stdout(EXIT_OK);
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("spytag %s\n", spytag_version());
        return cli_finish_stdout(EXIT_OK);
    }
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    cli_error("'%s' is not a spytag command", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
