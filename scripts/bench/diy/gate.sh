#!/bin/sh
# The scan gate a user writes today with the AWS CLI (the bench's DIY baseline, issue 12).
#
# Usage: gate.sh REPOSITORY sha256:DIGEST
#
# describe-images for the digest, one describe-image-scan-findings (--no-paginate: one call) for
# the scan status (must be COMPLETE), then inspector2 list-findings filtered by ecrImageHash and
# findingStatus ACTIVE (the CLI follows every nextToken, 100 per page), counting CRITICAL and
# HIGH with --query over the merged pages (--output json: with --output text the CLI applies the
# query to each page and prints one count per page). Exit 1 if any, 0 if none, 2 when it cannot decide. Region, credentials and
# AWS_ENDPOINT_URL come from the environment.
set -u
if [ "$#" -ne 2 ]; then
  echo "usage: gate.sh REPOSITORY sha256:DIGEST" >&2
  exit 2
fi
repository=$1
digest=$2

aws ecr describe-images --repository-name "$repository" \
  --image-ids "imageDigest=$digest" --output json >/dev/null || exit 2
status=$(aws ecr describe-image-scan-findings --repository-name "$repository" \
  --image-id "imageDigest=$digest" --no-paginate \
  --query imageScanStatus.status --output text) || exit 2
if [ "$status" != COMPLETE ]; then
  echo "scan of $repository@$digest is $status" >&2
  exit 2
fi
filter="{\"ecrImageHash\":[{\"comparison\":\"EQUALS\",\"value\":\"$digest\"}],\"findingStatus\":[{\"comparison\":\"EQUALS\",\"value\":\"ACTIVE\"}]}"
blocking=$(aws inspector2 list-findings --filter-criteria "$filter" --page-size 100 \
  --query "length(findings[?severity=='CRITICAL' || severity=='HIGH'])" --output json) || exit 2
echo "$blocking CRITICAL/HIGH ACTIVE findings"
case $blocking in
  0) exit 0 ;;
  '' | *[!0-9]*) echo "could not count: $blocking" >&2; exit 2 ;;
  *) exit 1 ;;
esac
