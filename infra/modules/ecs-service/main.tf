# The portal on Fargate behind an HTTPS ALB, with the ADOT collector as a sidecar that sends the
# app's OTLP metrics to Amazon Managed Service for Prometheus and its traces to X-Ray.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  region         = data.aws_region.current.region
  cluster_name   = "${var.name}-cluster"
  service_name   = "${var.name}-app"
  task_family    = "${var.name}-app"
  collector_name = "aws-otel-collector"

  # Set last, so environment_variables cannot replace them. No password here: it comes from
  # Secrets Manager through `secrets`, never into the task definition.
  app_environment_fixed = {
    PORT                        = tostring(var.container_port)
    DATABASE_URL                = var.database.url
    OTEL_EXPORTER_OTLP_ENDPOINT = "http://localhost:4318"
  }
  # The report the app pulls (pull model: no import token to hand the task). The bucket is the
  # stack's, in this region; set explicitly rather than relying on the platform's AWS_REGION.
  app_environment_report = var.report_s3_uri == null ? {} : { REPORT_S3_URI = var.report_s3_uri, AWS_REGION = local.region }
  app_environment        = merge(var.environment_variables, local.app_environment_report, local.app_environment_fixed)

  # bucket and key of report_s3_uri (the variable's validation guarantees the match).
  report_object = var.report_s3_uri == null ? null : regex("^s3://(?P<bucket>[^/]+)/(?P<key>.+)$", var.report_s3_uri)

  # The collector listens on loopback only: in awsvpc mode the containers of a task share it,
  # and nothing outside the task has a reason to send telemetry here.
  collector_config = {
    extensions = {
      sigv4auth = {
        region  = local.region
        service = "aps"
      }
      health_check = {}
    }
    receivers = {
      otlp = {
        protocols = {
          grpc = { endpoint = "127.0.0.1:4317" }
          http = { endpoint = "127.0.0.1:4318" }
        }
      }
    }
    processors = {
      batch = {}
      "resourcedetection/ecs" = {
        detectors = ["env", "ecs"]
      }
    }
    exporters = {
      prometheusremotewrite = {
        endpoint = var.amp_remote_write_url
        auth     = { authenticator = "sigv4auth" }
        # Resource attributes (service, task) become labels, so dashboards can tell tasks apart.
        resource_to_telemetry_conversion = { enabled = true }
      }
      awsxray = {
        region = local.region
      }
    }
    service = {
      extensions = ["sigv4auth", "health_check"]
      pipelines = {
        metrics = {
          receivers  = ["otlp"]
          processors = ["resourcedetection/ecs", "batch"]
          exporters  = ["prometheusremotewrite"]
        }
        traces = {
          receivers  = ["otlp"]
          processors = ["resourcedetection/ecs", "batch"]
          exporters  = ["awsxray"]
        }
      }
    }
  }

  container_definitions = [
    {
      name      = var.container_name
      image     = var.image
      essential = true
      user      = var.container_user
      # Nothing in the image is written at run time; /tmp is a task-local scratch volume.
      readonlyRootFilesystem = true
      portMappings = [
        { containerPort = var.container_port, protocol = "tcp" },
      ]
      environment = [for key in sort(keys(local.app_environment)) : { name = key, value = local.app_environment[key] }]
      secrets = [
        # RDS keeps the master user secret as JSON; ECS extracts one key with `:<key>::`.
        { name = "DATABASE_PASSWORD", valueFrom = "${var.database.password_secret_arn}:password::" },
      ]
      mountPoints = [
        { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
      ]
      # On SIGTERM the portal drains in-flight requests for up to 20 s before it closes the pool
      # and flushes telemetry; ECS's default 30 s before SIGKILL is kept explicit so a lower
      # default elsewhere cannot cut the drain short.
      stopTimeout = 30
      # Readiness: a task whose app cannot reach its database is replaced, and a deploy whose
      # tasks never get ready trips the circuit breaker. Node's own fetch, so the check does not
      # depend on curl or wget being in the image.
      healthCheck = {
        command     = ["CMD", "node", "-e", "fetch('http://127.0.0.1:${var.container_port}${var.readiness_path}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      # Started after the collector, so the first spans find it listening; START, not HEALTHY,
      # so a collector that never gets healthy costs telemetry, not the portal.
      dependsOn = [
        { containerName = local.collector_name, condition = "START" },
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this.name
          awslogs-region        = local.region
          awslogs-stream-prefix = "app"
        }
      }
    },
    {
      name  = local.collector_name
      image = var.collector_image
      # Losing telemetry must not take the portal down with it.
      essential              = false
      readonlyRootFilesystem = true
      environment = [
        { name = "AOT_CONFIG_CONTENT", value = yamlencode(local.collector_config) },
      ]
      # The image's own probe of the health_check extension (localhost:13133).
      healthCheck = {
        command     = ["CMD", "/healthcheck"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 10
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this.name
          awslogs-region        = local.region
          awslogs-stream-prefix = "otel"
        }
      }
    },
  ]
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
}

resource "aws_ecs_cluster" "this" {
  name = local.cluster_name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

# ---------------------------------------------------------------------------------------------
# IAM: the execution role is what ECS uses to start the task (pull, logs, the one secret); the
# task role is what the containers' code may do (write metrics to AMP, traces to X-Ray).

data "aws_iam_policy_document" "ecs_tasks_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    # Only ECS tasks of this account (confused deputy).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-task-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid = "EcrAuth"
    # GetAuthorizationToken has no resource-level permissions.
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "EcrPull"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = concat(var.pull_repository_arns, var.pull_through_repository_arns)
  }

  dynamic "statement" {
    for_each = length(var.pull_through_repository_arns) > 0 ? [1] : []
    content {
      sid = "EcrPullThroughCache"
      # The first pull of a cached image creates its repository and imports it from upstream.
      actions   = ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]
      resources = var.pull_through_repository_arns
    }
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "DatabasePassword"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.database.password_secret_arn]
  }

  statement {
    sid       = "DatabasePasswordKey"
    actions   = ["kms:Decrypt"]
    resources = [var.database.secret_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-task"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "PrometheusRemoteWrite"
    actions   = ["aps:RemoteWrite"]
    resources = [var.amp_workspace_arn]
  }

  statement {
    sid = "XRayPut"
    # X-Ray's put calls have no resource-level permissions.
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "telemetry"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# The one object the app polls (REPORT_S3_URI), and nothing else in the bucket.
data "aws_iam_policy_document" "report_read" {
  count = local.report_object == null ? 0 : 1

  statement {
    sid       = "ReportObjectRead"
    actions   = ["s3:GetObject"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::${local.report_object.bucket}/${local.report_object.key}"]
  }

  # Without ListBucket S3 answers a GetObject of a missing key with 403, which the app cannot
  # tell from a real denial; with it, 404 NoSuchKey ("no report yet"). Listing is limited to the
  # key itself, so no other object name in the bucket is revealed.
  statement {
    sid       = "ReportKeyList"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::${local.report_object.bucket}"]

    condition {
      test     = "StringEquals"
      variable = "s3:prefix"
      values   = [local.report_object.key]
    }
  }
}

resource "aws_iam_role_policy" "report_read" {
  count = local.report_object == null ? 0 : 1

  name   = "report-read"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.report_read[0].json
}

# ---------------------------------------------------------------------------------------------
# Network: the ALB is the only way in; the tasks talk to the ALB, the VPC (endpoints, database)
# and S3 (image layers).

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "ALB: HTTPS and the HTTP redirect from the allowed ranges"
  vpc_id      = var.vpc_id
  tags        = { Name = "${var.name}-alb" }
}

# Ports as literals, one resource each: a reader (or a static check) sees at once that nothing
# but 443 and 80 is open to these ranges.
resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each          = toset(var.alb_ingress_cidrs)
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  for_each          = toset(var.alb_ingress_cidrs)
  security_group_id = aws_security_group.alb.id
  description       = "HTTP, redirected to HTTPS"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.tasks.id
}

resource "aws_security_group" "tasks" {
  name        = "${var.name}-tasks"
  description = "Portal tasks: only the ALB may connect"
  vpc_id      = var.vpc_id
  tags        = { Name = "${var.name}-tasks" }
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "From the ALB"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_egress_rule" "tasks_vpc_https" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to the VPC interface endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_vpc_security_group_egress_rule" "tasks_s3" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to S3 through the gateway endpoint (image layers)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = var.s3_prefix_list_id
}

resource "aws_vpc_security_group_egress_rule" "tasks_postgres" {
  security_group_id = aws_security_group.tasks.id
  description       = "PostgreSQL inside the VPC"
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_vpc_security_group_egress_rule" "tasks_internet_https" {
  count             = var.internet_egress ? 1 : 0
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to the internet through the NAT gateway"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# ---------------------------------------------------------------------------------------------
# Load balancer

resource "aws_lb" "this" {
  name                       = "${var.name}-alb"
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.alb_deletion_protection
}

resource "aws_lb_target_group" "this" {
  name                 = "${var.name}-tg"
  vpc_id               = var.vpc_id
  target_type          = "ip"
  protocol             = "HTTP"
  port                 = var.container_port
  deregistration_delay = 30

  # Liveness only: were the database in this check, a database outage would mark every target
  # unhealthy and ECS would keep replacing tasks that cannot help.
  health_check {
    path                = var.health_check_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }
}

# Port 80 serves nothing: it only sends clients to HTTPS.
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Task definition and service

resource "aws_ecs_task_definition" "this" {
  family                   = local.task_family
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode(local.container_definitions)

  # Images are built for linux/amd64 only (one platform manifest, which ECR scans).
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }
}

resource "aws_ecs_service" "this" {
  name                              = local.service_name
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.this.arn
  desired_count                     = var.desired_count
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  health_check_grace_period_seconds = 60
  enable_execute_command            = false
  enable_ecs_managed_tags           = true
  propagate_tags                    = "SERVICE"

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.this.arn
    container_name   = var.container_name
    container_port   = var.container_port
  }

  # The deploy workflow registers a task definition per release (the scanned image's digest)
  # and points the service at it. Terraform's task definition is only the first one: without
  # this, every apply would roll the service back to the image of var.image.
  lifecycle {
    ignore_changes = [task_definition]
  }

  depends_on = [aws_lb_listener.https, aws_iam_role_policy.execution]
}
