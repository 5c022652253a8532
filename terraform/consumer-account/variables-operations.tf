# The operations inputs are the module's own (modules/consumer-function/variables-operations.tf),
# where their attributes are described, defaulted and validated.

variable "metrics" {
  description = "modules/consumer-function's metrics input: enabled (METRICS; null: on), namespace (METRICS_NAMESPACE; null: DdbCrossAccountReader)."
  type = object({
    enabled   = optional(bool)
    namespace = optional(string)
  })
  default = {}
}

variable "alarms" {
  description = "modules/consumer-function's alarms input: sns_topic_arn (null: created), kms_key_arn, errors, throttles, duration, no_successful_run (each null: no such alarm); null: no alarms."
  type = object({
    sns_topic_arn = optional(string)
    kms_key_arn   = optional(string)
    errors = optional(object({
      threshold      = optional(number)
      period_seconds = optional(number)
    }))
    throttles = optional(object({
      threshold      = optional(number)
      period_seconds = optional(number)
    }))
    duration = optional(object({
      percent_of_timeout = optional(number)
      period_seconds     = optional(number)
    }))
    no_successful_run = optional(object({
      hours = number
    }))
  })
  default = null
}

variable "failure_handling" {
  description = "modules/consumer-function's failure_handling input: dead_letter_queue (retention_seconds; null: none), async_invocation (maximum_retry_attempts, maximum_event_age_seconds, on_failure_arn; null: Lambda's defaults), schedule_retry (maximum_retry_attempts, maximum_event_age_seconds)."
  type = object({
    dead_letter_queue = optional(object({
      retention_seconds = optional(number)
    }))
    async_invocation = optional(object({
      maximum_retry_attempts    = optional(number)
      maximum_event_age_seconds = optional(number)
      on_failure_arn            = optional(string)
    }))
    schedule_retry = optional(object({
      maximum_retry_attempts    = optional(number)
      maximum_event_age_seconds = optional(number)
    }))
  })
  default = {}
}
