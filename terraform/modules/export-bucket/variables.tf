variable "environment" {
  description = "Environment name (dev, stage, prod, local...): part of the bucket's default name."
  type        = string
  nullable    = false
}

variable "consumer_account_id" {
  description = "Account id of the consumer account: the bucket's owner (EXPORT_BUCKET_OWNER)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.consumer_account_id))
    error_message = "The consumer_account_id must be exactly 12 digits."
  }
}

variable "writer_role_arns" {
  description = "The main account's roles DynamoDB exports as (the per-consumer cross-account role): the only principals the bucket policy lets write, and only under prefix."
  type        = list(string)
  nullable    = false

  validation {
    condition = length(var.writer_role_arns) > 0 && alltrue([
      for arn in var.writer_role_arns : can(regex("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", arn)) && !strcontains(arn, "*")
    ])
    error_message = "The writer_role_arns must name at least one IAM role ARN such as arn:aws:iam::111111111111:role/NAME, without wildcards."
  }
}

variable "bucket" {
  description = "The export bucket. name: null for naming.json's export_bucket_name. prefix: the part the writers may write (EXPORT_PREFIX), without a trailing /. expiration_days: exports are deleted this many days after they were written. noncurrent_expiration_days: overwritten or deleted versions are kept this long. force_destroy: let terraform destroy delete a bucket that still holds exports."
  type = object({
    name                       = optional(string)
    prefix                     = optional(string, "exports")
    expiration_days            = optional(number, 30)
    noncurrent_expiration_days = optional(number, 7)
    force_destroy              = optional(bool, false)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.bucket.name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.bucket.name, "-")))
    error_message = "The bucket.name must be null (naming.json's name) or an S3 bucket name: 3-63 of a-z, 0-9, . and -, a letter or digit at each end."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()=-]+(/[A-Za-z0-9!_.*'()=-]+)*$", var.bucket.prefix)) && !can(regex("(^|/)\\.\\.?(/|$)", var.bucket.prefix)) && length(var.bucket.prefix) <= 512
    error_message = "The bucket.prefix must be path segments of letters, digits and !_.*'()=- separated by single / (no leading or trailing /, no . or ..), at most 512 characters."
  }

  validation {
    condition     = var.bucket.expiration_days >= 1 && var.bucket.noncurrent_expiration_days >= 1 && floor(var.bucket.expiration_days) == var.bucket.expiration_days && floor(var.bucket.noncurrent_expiration_days) == var.bucket.noncurrent_expiration_days
    error_message = "The bucket.expiration_days and bucket.noncurrent_expiration_days must be whole numbers of days, at least 1."
  }
}

variable "tags" {
  description = "Tags for the bucket (the provider's default_tags come on top)."
  type        = map(string)
  default     = {}
  nullable    = false
}
