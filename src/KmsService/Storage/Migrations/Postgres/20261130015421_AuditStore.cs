using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KmsService.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AuditStore : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit_chain_head",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false),
                    LastSequence = table.Column<long>(type: "bigint", nullable: false),
                    LastHash = table.Column<byte[]>(type: "bytea", nullable: false),
                    LastDigestSequence = table.Column<long>(type: "bigint", nullable: false),
                    LastDigestAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_chain_head", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "audit_digests",
                columns: table => new
                {
                    LastSequence = table.Column<long>(type: "bigint", nullable: false),
                    FirstSequence = table.Column<long>(type: "bigint", nullable: false),
                    HeadHash = table.Column<byte[]>(type: "bytea", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Signature = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_digests", x => x.LastSequence);
                });

            migrationBuilder.CreateTable(
                name: "audit_records",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "bigint", nullable: false),
                    EventId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    EventTime = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    AccountId = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    RecipientAccountId = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: true),
                    EventName = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Username = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    AccessKeyId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    ResourceType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    ResourceName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    ReadOnly = table.Column<bool>(type: "boolean", nullable: false),
                    EventSource = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    RecordJson = table.Column<byte[]>(type: "bytea", nullable: false),
                    PrevHash = table.Column<byte[]>(type: "bytea", nullable: false),
                    Hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_records", x => x.Sequence);
                });

            migrationBuilder.InsertData(
                table: "audit_chain_head",
                columns: new[] { "Id", "LastDigestAt", "LastDigestSequence", "LastHash", "LastSequence" },
                values: new object[] { 1, new DateTime(1970, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc), 0L, new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 0L });

            migrationBuilder.CreateIndex(
                name: "IX_audit_records_AccountId_AccessKeyId_EventTime",
                table: "audit_records",
                columns: new[] { "AccountId", "AccessKeyId", "EventTime" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_records_AccountId_EventName_EventTime",
                table: "audit_records",
                columns: new[] { "AccountId", "EventName", "EventTime" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_records_AccountId_EventTime",
                table: "audit_records",
                columns: new[] { "AccountId", "EventTime" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_records_AccountId_ResourceName_EventTime",
                table: "audit_records",
                columns: new[] { "AccountId", "ResourceName", "EventTime" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_records_AccountId_Username_EventTime",
                table: "audit_records",
                columns: new[] { "AccountId", "Username", "EventTime" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_records_EventId",
                table: "audit_records",
                column: "EventId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_chain_head");

            migrationBuilder.DropTable(
                name: "audit_digests");

            migrationBuilder.DropTable(
                name: "audit_records");
        }
    }
}
