using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KmsService.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class KeyRotation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "NextRotationDate",
                table: "keys",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "RotationEnabled",
                table: "keys",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "RotationPeriodInDays",
                table: "keys",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RotationType",
                table: "backing_keys",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_keys_NextRotationDate",
                table: "keys",
                column: "NextRotationDate");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_keys_NextRotationDate",
                table: "keys");

            migrationBuilder.DropColumn(
                name: "NextRotationDate",
                table: "keys");

            migrationBuilder.DropColumn(
                name: "RotationEnabled",
                table: "keys");

            migrationBuilder.DropColumn(
                name: "RotationPeriodInDays",
                table: "keys");

            migrationBuilder.DropColumn(
                name: "RotationType",
                table: "backing_keys");
        }
    }
}
