#!/bin/sh
# Test extractor that exits but leaves a background process holding stdout open.
cat > /dev/null
printf '{"text": "a claim"}\n'
sleep 60 &
exit 0
