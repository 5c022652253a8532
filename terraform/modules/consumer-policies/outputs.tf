output "execution_trust_policy_json" {
  description = "Trust policy of the execution role (lambda.amazonaws.com, this account only)."
  value       = local.execution_trust_policy_json
}

output "assume_policy_json" {
  description = "Execution-role policy: sts:AssumeRole (+ sts:TagSession) on the main roles only."
  value       = local.assume_policy_json
}

output "logs_policy_json" {
  description = "Execution-role policy: write logs to the function's own log group only."
  value       = local.logs_policy_json
}

output "scheduler_trust_policy_json" {
  description = "Trust policy of the EventBridge Scheduler role."
  value       = local.scheduler_trust_policy_json
}

output "scheduler_invoke_policy_json" {
  description = "Scheduler-role policy: lambda:InvokeFunction on this function only."
  value       = local.scheduler_invoke_policy_json
}

output "log_group_name" {
  description = "The function's log group name."
  value       = local.log_group_name
}

output "log_group_arn" {
  description = "The function's log group ARN."
  value       = local.log_group_arn
}

output "function_arn" {
  description = "The function's ARN (known before it exists)."
  value       = local.function_arn
}

output "environment" {
  description = "The function's environment variables (only the ones that are set)."
  # Referencing the check makes Terraform evaluate it whenever the environment is used.
  value = local.check_role_arn_allowed ? local.environment : {}
}
