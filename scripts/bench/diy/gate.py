#!/usr/bin/env python3
"""The scan gate a user writes today with boto3 (the bench's DIY baseline, issue 12).

Usage: gate.py REPOSITORY sha256:DIGEST

DescribeImages for the digest, one DescribeImageScanFindings for the scan status (must be
COMPLETE), then every page of Inspector2 ListFindings filtered by ecrImageHash and findingStatus
ACTIVE (100 per page), counting CRITICAL and HIGH. Exit 1 if any, 0 if none, 2 when it cannot
decide (any AWS error, a scan that is not COMPLETE). Region, credentials and AWS_ENDPOINT_URL
come from the environment, as boto3 reads them.
"""
import sys

import boto3
from botocore.exceptions import BotoCoreError, ClientError


def main(repository: str, digest: str) -> int:
    ecr = boto3.client("ecr")
    inspector = boto3.client("inspector2")
    ecr.describe_images(repositoryName=repository, imageIds=[{"imageDigest": digest}])
    scan = ecr.describe_image_scan_findings(
        repositoryName=repository, imageId={"imageDigest": digest}
    )
    status = scan["imageScanStatus"]["status"]
    if status != "COMPLETE":
        print(f"scan of {repository}@{digest} is {status}", file=sys.stderr)
        return 2
    counts = {}
    pages = inspector.get_paginator("list_findings").paginate(
        filterCriteria={
            "ecrImageHash": [{"comparison": "EQUALS", "value": digest}],
            "findingStatus": [{"comparison": "EQUALS", "value": "ACTIVE"}],
        },
        PaginationConfig={"PageSize": 100},
    )
    for page in pages:
        for finding in page["findings"]:
            counts[finding["severity"]] = counts.get(finding["severity"], 0) + 1
    blocking = counts.get("CRITICAL", 0) + counts.get("HIGH", 0)
    print(f"{sum(counts.values())} ACTIVE findings, {blocking} CRITICAL/HIGH")
    return 1 if blocking else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: gate.py REPOSITORY sha256:DIGEST", file=sys.stderr)
        sys.exit(2)
    try:
        sys.exit(main(sys.argv[1], sys.argv[2]))
    except (BotoCoreError, ClientError) as error:
        print(f"could not decide: {error}", file=sys.stderr)
        sys.exit(2)
