output "function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "execution_role_arn" {
  description = "ARN of the execution role: the principal the main account's role trusts."
  value       = aws_iam_role.execution.arn
}

output "role_arn" {
  description = "The main-account role the function assumes (its ROLE_ARN)."
  value       = local.role_arn
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.function.name
}

output "schedule_arn" {
  description = "ARN of the schedule (null when there is none)."
  value       = try(aws_scheduler_schedule.this[0].arn, null)
}

output "environment" {
  description = "The function's environment variables (only the ones that are set)."
  value       = local.environment
}
