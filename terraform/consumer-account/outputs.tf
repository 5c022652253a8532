output "function_arn" {
  description = "ARN of the function."
  value       = module.function.function_arn
}

output "function_name" {
  description = "Name of the function (aws lambda invoke --function-name ...)."
  value       = module.function.function_name
}

output "execution_role_arn" {
  description = "ARN of the execution role: what the main root trusts (trust.principal_arns)."
  value       = module.function.execution_role_arn
}

output "main_role_arn" {
  description = "The main-account role the function assumes (ROLE_ARN)."
  value       = module.function.role_arn
}

output "environment" {
  description = "The function's environment variables, as deployed."
  value       = module.function.environment
}

output "alarm_topic_arn" {
  description = "The SNS topic the alarms notify (null without alarms): subscribe your pager to it."
  value       = module.function.alarm_topic_arn
}

output "dead_letter_queue_arn" {
  description = "The dead-letter queue of failed scheduled and asynchronous invocations (null: none)."
  value       = module.function.dead_letter_queue_arn
}
