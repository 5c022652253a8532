variable "environment" {
  description = "Environment name: the first part of every name (modules/conventions/naming.json)."
  type        = string
  default     = "ex-nightly-exports"
}

variable "main_account_id" {
  description = "Account id of the main account: the tables and the role the function assumes."
  type        = string
}

variable "consumer_account_id" {
  description = "Account id of the consumer account: the function and its execution role."
  type        = string
}

variable "region" {
  description = "Region of the function and the tables."
  type        = string
  default     = "us-east-1"
}

variable "main_profile" {
  description = "AWS CLI profile with credentials of the main account."
  type        = string
  default     = "main"
}

variable "consumer_profile" {
  description = "AWS CLI profile with credentials of the consumer account."
  type        = string
  default     = "consumer"
}

variable "zip_path" {
  description = "The function's package (make zip builds it; null: target/lambda/ddb-cross-account-reader/bootstrap.zip of this repository)."
  type        = string
  default     = null
}
