using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KmsService.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AuditExportRetention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit_checkpoints",
                columns: table => new
                {
                    ThroughSequence = table.Column<long>(type: "INTEGER", nullable: false),
                    HeadHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    PrunedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Signature = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_checkpoints", x => x.ThroughSequence);
                });

            migrationBuilder.CreateTable(
                name: "audit_export_cursor",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    LastSequence = table.Column<long>(type: "INTEGER", nullable: false),
                    ExportedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_export_cursor", x => x.Id);
                });

            migrationBuilder.InsertData(
                table: "audit_export_cursor",
                columns: new[] { "Id", "ExportedAt", "LastSequence" },
                values: new object[] { 1, new DateTime(1970, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc), 0L });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_checkpoints");

            migrationBuilder.DropTable(
                name: "audit_export_cursor");
        }
    }
}
