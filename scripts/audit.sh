#!/usr/bin/env bash
# `npm audit --omit=dev --audit-level=high`, strict where the registry's audit service answers:
# high or critical advisories in production dependencies fail the run. Where the service itself
# refuses (this project's build machines reach the registry, but its bulk-advisory endpoint answers
# 405), the check cannot be made: say so loudly and go on, rather than fail every build or pretend.
set -uo pipefail
out=$(npm audit --omit=dev --audit-level=high 2>&1)
code=$?
if [ $code -eq 0 ]; then
  echo "npm audit: no high or critical advisories in production dependencies"
  exit 0
fi
if grep -qE "audit endpoint returned an error|Method Not Allowed|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN" <<<"$out"; then
  echo "npm audit: NOT CHECKED: the registry's audit service is unreachable from here:"
  grep -E "npm (warn|error) audit" <<<"$out" | head -3
  exit 0
fi
echo "$out"
exit $code
