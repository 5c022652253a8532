output "role_arn" {
  description = "ARN of the cross-account role: the function's ROLE_ARN."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the cross-account role."
  value       = aws_iam_role.this.name
}

output "trust_policy" {
  description = "The role's trust policy document (decoded)."
  value       = local.trust_policy
}

output "tables" {
  description = "Per table name: access_type, region, arn (the table's), policy_name, policy_arn and policy (the document, decoded)."
  value = {
    for name, t in local.tables : name => merge(t, {
      policy_name = aws_iam_policy.table[name].name
      policy_arn  = try(aws_iam_policy.table[name].arn, null)
      policy      = local.table_policies[name]
    })
  }
}
