output "tables" {
  description = "Per table name: access_type, region, arn, actions (what its policy grants), policy (the document, decoded) and revision_id."
  value = {
    for name, t in local.tables : name => merge(t, {
      policy      = local.policies[name]
      revision_id = try(aws_dynamodb_resource_policy.table[name].revision_id, null)
    })
  }
}
