output "function_name" {
  description = "The function to invoke, for example with {\"op\": \"scan\"}."
  value       = module.function.function_name
}

output "key_arn" {
  description = "The table's customer-managed key."
  value       = aws_kms_key.tables.arn
}

output "table_policy" {
  description = "The role's policy for the table: the level's actions on the table and kms:Decrypt on the key via DynamoDB."
  value       = module.role.tables[var.table_name].policy
}
