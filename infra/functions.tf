# One gen-2 function per target, named in kebab-case, with the Python name as its entry point.
module "function" {
  source   = "./modules/function"
  for_each = local.targets

  project_id               = var.project_id
  region                   = var.region
  name                     = replace(each.key, "_", "-")
  entry_point              = each.key
  runtime                  = "python311"
  source_bucket            = module.sources.name
  source_object            = google_storage_bucket_object.source.name
  build_service_account_id = google_service_account.build.id
  docker_repository_id     = google_artifact_registry_repository.functions.id
  memory                   = each.value.memory
  timeout_seconds          = each.value.timeout
  # The tick is serial work the scheduler starts every minute; two at once are safe, more only queue up.
  max_instances = each.value.public ? var.max_instances : 2
  environment   = local.set_environment
  secrets       = local.function_secrets[each.key]
  ingress       = each.value.public ? "ALLOW_ALL" : "ALLOW_INTERNAL_ONLY"
  invokers      = each.value.public ? ["allUsers"] : [google_service_account.scheduler.member]
  project_roles = each.value.firestore == null ? [] : [each.value.firestore]
  bucket_roles = concat(
    each.value.letters == null ? [] : [{ bucket = module.blobs.name, prefix = "letters/", role = each.value.letters }],
    each.value.recordings == null ? [] : [{ bucket = module.blobs.name, prefix = "recordings/", role = each.value.recordings }],
  )
  labels = local.labels

  depends_on = [
    google_project_service.apis,
    google_firestore_database.main,
    google_project_iam_member.build_logs,
    google_storage_bucket_iam_member.build_reads_sources,
    google_artifact_registry_repository_iam_member.build_pushes,
    google_artifact_registry_repository_iam_member.functions_agent_reads,
  ]
}
