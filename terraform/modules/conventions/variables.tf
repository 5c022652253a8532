variable "environment" {
  description = "Environment name (dev, stage, prod, local...): the first part of every name."
  type        = string
  nullable    = false
}

variable "consumer_account_id" {
  description = "Account id of the consumer account: the last part of the cross-account role's name."
  type        = string
  nullable    = false
}
