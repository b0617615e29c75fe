output "identifier" {
  description = "DB instance identifier."
  value       = aws_db_instance.this.identifier
}

output "arn" {
  description = "ARN of the DB instance."
  value       = aws_db_instance.this.arn
}

output "resource_id" {
  description = "DBI resource ID (the rds-db:connect ARN names it when IAM authentication is on)."
  value       = aws_db_instance.this.resource_id
}

output "address" {
  description = "Host name of the instance (private; resolvable inside the VPC)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port PostgreSQL listens on."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "Name of the database."
  value       = aws_db_instance.this.db_name
}

output "username" {
  description = "Master user name."
  value       = aws_db_instance.this.username
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret RDS keeps the master password in (JSON keys username and password)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "kms_key_arn" {
  description = "KMS key of the storage and of the master user secret (readers of the secret need kms:Decrypt through Secrets Manager)."
  value       = local.kms_key_arn
}

output "security_group_id" {
  description = "Security group of the instance."
  value       = aws_security_group.this.id
}
