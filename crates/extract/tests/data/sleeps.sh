#!/bin/sh
# Test extractor that never answers: ignores stdin and sleeps far past any test time limit.
sleep 60
