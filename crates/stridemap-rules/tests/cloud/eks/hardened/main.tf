# A hardened EKS cluster: private endpoint, KMS envelope encryption, audit logs, access
# entries, IRSA, a narrow node role on IMDSv2 with hop limit 1, VPC CNI network policies.
resource "aws_kms_key" "eks" {
  description         = "EKS secrets"
  enable_key_rotation = true
}

resource "aws_iam_role" "cluster" {
  name               = "shop-cluster"
  assume_role_policy = "{}"
}

resource "aws_iam_role" "nodes" {
  name               = "shop-nodes"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy_attachment" "nodes_worker" {
  role       = aws_iam_role.nodes.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"
}

resource "aws_eks_cluster" "shop" {
  name                      = "shop"
  role_arn                  = aws_iam_role.cluster.arn
  enabled_cluster_log_types = ["api", "audit", "authenticator"]

  access_config {
    authentication_mode = "API"
  }

  vpc_config {
    subnet_ids              = ["subnet-0a1", "subnet-0b2"]
    endpoint_private_access = true
    endpoint_public_access  = false
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.eks.arn
    }
  }
}

resource "aws_iam_openid_connect_provider" "eks" {
  url             = aws_eks_cluster.shop.identity[0].oidc[0].issuer
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = []
}

resource "aws_launch_template" "nodes" {
  name_prefix = "shop-nodes-"

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
}

resource "aws_eks_node_group" "default" {
  cluster_name  = aws_eks_cluster.shop.name
  node_role_arn = aws_iam_role.nodes.arn
  subnet_ids    = ["subnet-0a1", "subnet-0b2"]

  launch_template {
    id      = aws_launch_template.nodes.id
    version = aws_launch_template.nodes.latest_version
  }

  scaling_config {
    desired_size = 3
    max_size     = 5
    min_size     = 2
  }
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name = aws_eks_cluster.shop.name
  addon_name   = "vpc-cni"
  configuration_values = jsonencode({
    enableNetworkPolicy = "true"
  })
}
