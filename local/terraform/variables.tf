variable "main_account_id" {
  description = "Main account of the local emulator."
  type        = string
  default     = "111111111111"
}

variable "consumer_account_id" {
  description = "Consumer account of the local emulator."
  type        = string
  default     = "222222222222"
}

variable "region" {
  description = "Region of the local emulator."
  type        = string
  default     = "us-east-1"
}

variable "external_id" {
  description = "ExternalId every local main role requires."
  type        = string
  default     = "local-demo-external-id"
}
