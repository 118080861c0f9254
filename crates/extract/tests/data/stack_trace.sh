#!/bin/sh
# Test extractor that prints a Python stack trace into its output (and exits 0).
cat > /dev/null
printf '{"text": "a good claim"}\n'
cat <<'TRACE'
Traceback (most recent call last):
  File "extract.py", line 12, in <module>
    claims = model.extract(doc)
KeyError: 'choices'
TRACE
