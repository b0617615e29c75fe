output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets, one per availability zone (the ALB only)."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets, one per availability zone (tasks and the database)."
  value       = aws_subnet.private[*].id
}

output "private_route_table_id" {
  description = "Route table of the private subnets."
  value       = aws_route_table.private.id
}

output "s3_prefix_list_id" {
  description = "Prefix list of the S3 gateway endpoint, for security group egress rules to S3 (ECR image layers)."
  value       = aws_vpc_endpoint.s3.prefix_list_id
}

output "endpoint_security_group_id" {
  description = "Security group of the interface endpoints (HTTPS from the VPC)."
  value       = aws_security_group.endpoints.id
}

output "nat_gateway" {
  description = "Whether the private subnets have a route to the internet through a NAT gateway."
  value       = var.nat_gateway
}

output "flow_log_group_name" {
  description = "CloudWatch Logs group of the VPC flow log."
  value       = aws_cloudwatch_log_group.flow_log.name
}
