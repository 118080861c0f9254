#!/bin/sh
# Test extractor that fails: prints a claim, complains on stderr, exits 1.
cat > /dev/null
printf '{"text": "a claim before the crash"}\n'
printf 'error: the API key is missing\n' >&2
exit 1
