#!/bin/sh
# Test extractor for the `command` extractor: reads {"doc", "text"} on stdin, prints three claims.
input=$(cat)
doc=$(printf '%s' "$input" | sed -n 's/^{"doc":"\([^"]*\)".*/\1/p')
printf '{"text": "first claim of %s", "score": 0.75, "evidence": [{"start": 0, "end": 5}]}\n' "$doc"
printf '\n'
printf '{"doc": "%s", "text": "second claim of %s"}\r\n' "$doc" "$doc"
printf 'progress: done\n' >&2
