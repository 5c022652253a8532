# Operations inputs: the function's metrics, alarms, and what happens to invocations that fail.
# Everything here is off (or the function's own default) unless set.

variable "metrics" {
  description = "The EMF metrics the function writes into its log lines (CloudWatch extracts them; each op/table pair is billed as custom metrics). enabled: METRICS on/off (null: the function's default, on). namespace: METRICS_NAMESPACE (null: DdbCrossAccountReader)."
  type = object({
    enabled   = optional(bool)
    namespace = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition = var.metrics.namespace == null || (
      length(coalesce(var.metrics.namespace, "-")) <= 255 &&
      can(regex("^[A-Za-z0-9.\\-_/#: ]+$", coalesce(var.metrics.namespace, "-"))) &&
      !startswith(coalesce(var.metrics.namespace, "-"), "AWS/")
    )
    error_message = "The metrics.namespace must be null (DdbCrossAccountReader) or 1-255 characters of letters, digits and . - _ / # : space, not starting with AWS/."
  }
}

variable "alarms" {
  description = "CloudWatch alarms on the function's AWS/Lambda metrics; null: none. sns_topic_arn: where they notify (null: a topic is created, encrypted with kms_key_arn or, when that is null, a customer managed key this module creates: CloudWatch cannot publish to a topic under the AWS managed SNS key). errors / throttles: alarm when the Sum over period_seconds reaches threshold. duration: alarm when the Maximum exceeds percent_of_timeout of function.timeout. no_successful_run: alarm when invocations minus errors stay below 1 for hours (needs a schedule; missing data breaches). Each alarm: null means not created."
  type = object({
    sns_topic_arn = optional(string)
    kms_key_arn   = optional(string)
    errors = optional(object({
      threshold      = optional(number, 1)
      period_seconds = optional(number, 300)
    }))
    throttles = optional(object({
      threshold      = optional(number, 1)
      period_seconds = optional(number, 300)
    }))
    duration = optional(object({
      percent_of_timeout = optional(number, 80)
      period_seconds     = optional(number, 300)
    }))
    no_successful_run = optional(object({
      hours = number
    }))
  })
  default = null

  validation {
    condition     = var.alarms == null || try(var.alarms.sns_topic_arn, null) == null || can(regex("^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$", try(var.alarms.sns_topic_arn, "")))
    error_message = "The alarms.sns_topic_arn must be null (a topic is created) or an SNS topic ARN such as arn:aws:sns:us-east-1:222222222222:alerts."
  }

  validation {
    condition     = var.alarms == null || try(var.alarms.kms_key_arn, null) == null || can(regex("^arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$", try(var.alarms.kms_key_arn, "")))
    error_message = "The alarms.kms_key_arn must be null (a key is created) or a KMS key or alias ARN whose key policy lets cloudwatch.amazonaws.com use it."
  }

  validation {
    condition = var.alarms == null || alltrue([
      for a in [try(var.alarms.errors, null), try(var.alarms.throttles, null), try(var.alarms.duration, null)] :
      a == null || try(a.period_seconds >= 60 && a.period_seconds % 60 == 0 && a.period_seconds <= 86400, false)
    ])
    error_message = "Each alarms.*.period_seconds must be a multiple of 60 from 60 to 86400 (AWS/Lambda metrics are per minute)."
  }

  validation {
    condition = var.alarms == null || alltrue([
      for a in [try(var.alarms.errors, null), try(var.alarms.throttles, null)] : a == null || try(a.threshold >= 1, false)
    ])
    error_message = "The alarms.errors.threshold and alarms.throttles.threshold must be 1 or more (a count per period)."
  }

  validation {
    condition     = try(var.alarms.duration, null) == null || try(var.alarms.duration.percent_of_timeout > 0 && var.alarms.duration.percent_of_timeout <= 100, false)
    error_message = "The alarms.duration.percent_of_timeout must be more than 0 and at most 100."
  }

  validation {
    # One period of `hours`: CloudWatch evaluates at most 7 days (604800 s) for periods of an hour or more.
    condition     = try(var.alarms.no_successful_run, null) == null || try(var.alarms.no_successful_run.hours >= 1 && var.alarms.no_successful_run.hours <= 168 && floor(var.alarms.no_successful_run.hours) == var.alarms.no_successful_run.hours, false)
    error_message = "The alarms.no_successful_run.hours must be a whole number from 1 to 168 (CloudWatch evaluates at most 7 days); choose more than the schedule's interval."
  }
}

variable "failure_handling" {
  description = "What happens to invocations that fail. dead_letter_queue: an SQS queue (SSE-SQS encrypted, retention_seconds) receiving what Scheduler could not deliver and, by default, asynchronous invocations that failed; null: none. async_invocation: the function's asynchronous invocation config (Scheduler invokes asynchronously): maximum_retry_attempts (0-2), maximum_event_age_seconds (60-21600), on_failure_arn (an SQS queue, SNS topic, Lambda function or event bus ARN; null: the dead_letter_queue); null: Lambda's defaults and no destination. schedule_retry: the schedule's retry policy (maximum_retry_attempts 0-185, maximum_event_age_seconds 60-86400)."
  type = object({
    dead_letter_queue = optional(object({
      retention_seconds = optional(number, 1209600)
    }))
    async_invocation = optional(object({
      maximum_retry_attempts    = optional(number, 2)
      maximum_event_age_seconds = optional(number, 21600)
      on_failure_arn            = optional(string)
    }))
    schedule_retry = optional(object({
      maximum_retry_attempts    = optional(number, 2)
      maximum_event_age_seconds = optional(number, 3600)
    }), {})
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.failure_handling.dead_letter_queue == null || try(var.failure_handling.dead_letter_queue.retention_seconds >= 60 && var.failure_handling.dead_letter_queue.retention_seconds <= 1209600, false)
    error_message = "The failure_handling.dead_letter_queue.retention_seconds must be from 60 to 1209600 (14 days, SQS's maximum)."
  }

  validation {
    condition     = var.failure_handling.async_invocation == null || try(contains([0, 1, 2], var.failure_handling.async_invocation.maximum_retry_attempts), false)
    error_message = "The failure_handling.async_invocation.maximum_retry_attempts must be 0, 1 or 2."
  }

  validation {
    condition     = var.failure_handling.async_invocation == null || try(var.failure_handling.async_invocation.maximum_event_age_seconds >= 60 && var.failure_handling.async_invocation.maximum_event_age_seconds <= 21600, false)
    error_message = "The failure_handling.async_invocation.maximum_event_age_seconds must be from 60 to 21600 (6 hours)."
  }

  validation {
    condition     = try(var.failure_handling.async_invocation.on_failure_arn, null) == null || can(regex("^arn:aws(-cn|-us-gov)?:(sqs|sns|lambda|events):[a-z0-9-]+:[0-9]{12}:[^*]+$", try(var.failure_handling.async_invocation.on_failure_arn, "")))
    error_message = "The failure_handling.async_invocation.on_failure_arn must be null (the dead-letter queue) or the ARN of an SQS queue, SNS topic, Lambda function or EventBridge event bus, without wildcards."
  }

  validation {
    condition     = var.failure_handling.schedule_retry != null && try(var.failure_handling.schedule_retry.maximum_retry_attempts >= 0 && var.failure_handling.schedule_retry.maximum_retry_attempts <= 185, false)
    error_message = "The failure_handling.schedule_retry.maximum_retry_attempts must be from 0 to 185."
  }

  validation {
    condition     = var.failure_handling.schedule_retry != null && try(var.failure_handling.schedule_retry.maximum_event_age_seconds >= 60 && var.failure_handling.schedule_retry.maximum_event_age_seconds <= 86400, false)
    error_message = "The failure_handling.schedule_retry.maximum_event_age_seconds must be from 60 to 86400."
  }
}
