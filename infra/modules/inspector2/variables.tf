variable "resource_types" {
  description = "Inspector scan types to enable: ECR (container images), EC2 (instances), LAMBDA (function packages), LAMBDA_CODE (function code)."
  type        = list(string)
  default     = ["ECR", "EC2", "LAMBDA"]

  validation {
    condition     = length(var.resource_types) > 0 && alltrue([for t in var.resource_types : contains(["ECR", "EC2", "LAMBDA", "LAMBDA_CODE", "CODE_REPOSITORY"], t)])
    error_message = "resource_types must be a non-empty list of ECR, EC2, LAMBDA, LAMBDA_CODE, CODE_REPOSITORY."
  }
}
